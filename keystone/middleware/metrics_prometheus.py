"""Expose a :class:`~keystone.middleware._metrics.MetricsMiddleware` to ``prometheus_client``.

Install with the ``prometheus`` extra (``pip install ".[prometheus]"`` from a clone). The
collector reads the middleware's snapshot when Prometheus scrapes, so requests pay nothing
more than the in-memory counting::

    metrics = MetricsMiddleware()
    client = KeystoneClient(url, middleware=[metrics])
    register_prometheus(metrics)          # the default registry, e.g. for start_http_server()

It exports ``keystone_client_requests_total`` (a counter) and
``keystone_client_request_duration_seconds`` (a histogram), both labelled ``method``, ``path``
(the template, ids collapsed) and ``status_class``. Only this module imports
``prometheus_client``, and only when it is imported.
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import REGISTRY, Collector, CollectorRegistry

from keystone.middleware._metrics import MetricsMiddleware

LABELS = ("method", "path", "status_class")


class PrometheusCollector(Collector):
    """A custom collector turning the middleware's snapshot into Prometheus metric families."""

    def __init__(self, metrics: MetricsMiddleware, *, prefix: str = "keystone_client") -> None:
        self.metrics = metrics
        self.prefix = prefix

    def collect(self) -> Iterator[Metric]:
        snapshot = self.metrics.snapshot()
        requests = CounterMetricFamily(
            f"{self.prefix}_requests",
            "Calls made by the Keystone client, by method, path template and status class.",
            labels=LABELS,
        )
        duration = HistogramMetricFamily(
            f"{self.prefix}_request_duration_seconds",
            "Duration of the Keystone client's calls in seconds.",
            labels=LABELS,
            unit="seconds",
        )
        bounds = [*(str(b) for b in snapshot["bounds"]), "+Inf"]
        for series in snapshot["series"]:
            labels = [series[name] for name in LABELS]
            requests.add_metric(labels, series["count"])
            running, cumulative = 0, []
            for bound, count in zip(bounds, series["bucket_counts"], strict=True):
                running += count
                cumulative.append((bound, float(running)))
            duration.add_metric(labels, cumulative, series["sum_seconds"])
        yield requests
        yield duration

    def describe(self) -> Iterator[Metric]:
        """The families this collector exports (no samples), so registration is cheap."""
        yield CounterMetricFamily(f"{self.prefix}_requests", "", labels=LABELS)
        yield HistogramMetricFamily(
            f"{self.prefix}_request_duration_seconds", "", labels=LABELS, unit="seconds"
        )


def register_prometheus(
    metrics: MetricsMiddleware,
    registry: CollectorRegistry = REGISTRY,
    *,
    prefix: str = "keystone_client",
) -> PrometheusCollector:
    """Register a :class:`PrometheusCollector` for ``metrics`` and return it."""
    collector = PrometheusCollector(metrics, prefix=prefix)
    registry.register(collector)
    return collector
