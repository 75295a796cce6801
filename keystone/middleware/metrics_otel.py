"""Forward the client's metrics to OpenTelemetry, as a sink of ``MetricsMiddleware``.

Install with the ``otel`` extra (``pip install ".[otel]"`` from a clone) and configure a
``MeterProvider`` as usual; then::

    metrics = MetricsMiddleware(sinks=[OpenTelemetrySink()])
    client = KeystoneClient(url, middleware=[metrics])

Each call adds one to the counter ``keystone.client.requests`` and records its duration in
the histogram ``http.client.request.duration`` (seconds, the OpenTelemetry semantic convention
name), with the attributes ``http.request.method``, ``url.template`` and
``keystone.status_class``. Only this module imports ``opentelemetry``, and only when it is
imported.
"""

from __future__ import annotations

from opentelemetry import metrics as otel_metrics
from opentelemetry.metrics import Meter

from keystone._version import __version__
from keystone.middleware._metrics import DEFAULT_BUCKETS


class OpenTelemetrySink:
    """A :class:`~keystone.middleware._metrics.MetricsSink` recording to an OpenTelemetry meter.

    ``meter`` defaults to the global meter provider's meter named ``keystone``.
    """

    def __init__(self, meter: Meter | None = None) -> None:
        if meter is None:
            meter = otel_metrics.get_meter("keystone", __version__)
        self.counter = meter.create_counter(
            "keystone.client.requests",
            unit="{request}",
            description="Calls made by the Keystone client.",
        )
        self.duration = meter.create_histogram(
            "http.client.request.duration",
            unit="s",
            description="Duration of the Keystone client's calls.",
            explicit_bucket_boundaries_advisory=list(DEFAULT_BUCKETS),
        )

    def observe(self, method: str, path: str, status_class: str, seconds: float) -> None:
        attributes = {
            "http.request.method": method,
            "url.template": path,
            "keystone.status_class": status_class,
        }
        self.counter.add(1, attributes)
        self.duration.record(seconds, attributes)
