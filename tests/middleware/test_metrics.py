"""MetricsMiddleware: counts that match the calls made, the histogram, threads, adapters."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from middleware_helpers import PASSWORD, USERNAME, documented_client

import keystone
from keystone.middleware import MetricsMiddleware, path_template, per_attempt
from keystone.middleware._metrics import status_class
from keystone.testing import KeystoneEmulator

CLUSTERS = "/allocations/clusters/"


@pytest.mark.parametrize(
    ("url", "template"),
    [
        ("allocations/clusters", "allocations/clusters/"),
        ("allocations/clusters/17", "allocations/clusters/{id}/"),
        ("/allocations/clusters/17/?x=1", "allocations/clusters/{id}/"),
        ("http://host:8000/api/users/users/3/", "api/users/users/{id}/"),
        ("logs/requests/5e0c9a6b-3a4e-4f1b-9a57-0f2c1d6e8b9a/", "logs/requests/{id}/"),
        ("authentication/new/", "authentication/new/"),
        ("version", "version/"),
        ("", "/"),
    ],
)
def test_path_templates_collapse_ids(url: str, template: str) -> None:
    assert path_template(url) == template


def test_status_classes() -> None:
    assert [status_class(s) for s in (200, 204, 301, 404, 503, None, 999)] == [
        "2xx",
        "2xx",
        "3xx",
        "4xx",
        "5xx",
        "error",
        "error",
    ]


def test_counts_match_the_calls_made(emulator: KeystoneEmulator) -> None:
    metrics = MetricsMiddleware()
    client = documented_client(emulator.url, middleware=[metrics])
    client.login(USERNAME, PASSWORD)
    created = [client.http_post("allocations/clusters", {"name": f"m{i}"}).json() for i in range(3)]
    for cluster in created:
        client.http_get(f"allocations/clusters/{cluster['id']}")
    client.http_patch(f"allocations/clusters/{created[0]['id']}", {"description": "x"})
    for _ in range(2):
        with pytest.raises(keystone.NotFoundError):
            client.http_get("allocations/clusters/999999")
    emulator.faults.status(503, method="GET", path=CLUSTERS, times=1)
    client.http_get("allocations/clusters")  # retried once: one call
    client.logout()

    assert metrics.count(method="POST", path="allocations/clusters/", status_class="2xx") == 3
    assert metrics.count(method="GET", path="allocations/clusters/{id}/", status_class="2xx") == 3
    assert metrics.count(method="GET", path="allocations/clusters/{id}/", status_class="4xx") == 2
    assert metrics.count(method="PATCH") == 1
    assert metrics.count(method="GET", path="allocations/clusters/") == 1
    assert metrics.count(path="authentication/new/") == 1
    assert metrics.count(path="authentication/blacklist/") == 1
    assert metrics.count() == 12
    # The server saw one more request than calls were made: the retried attempt.
    assert emulator.stats.total == metrics.count() + 1

    snapshot = metrics.snapshot()
    json.dumps(snapshot)  # plain data
    assert snapshot["bounds"] == list(metrics.bounds)
    assert sum(s["count"] for s in snapshot["series"]) == 12
    for series in snapshot["series"]:
        assert sum(series["bucket_counts"]) == series["count"]
        assert len(series["bucket_counts"]) == len(snapshot["bounds"]) + 1
        assert series["sum_seconds"] > 0
    keys = [(s["path"], s["method"], s["status_class"]) for s in snapshot["series"]]
    assert keys == sorted(keys)


def test_per_attempt_metrics_count_what_the_server_answered(emulator: KeystoneEmulator) -> None:
    calls, attempts = MetricsMiddleware(), MetricsMiddleware()
    client = documented_client(emulator.url, middleware=[calls, per_attempt(attempts)])
    client.login(USERNAME, PASSWORD)
    emulator.faults.status(503, method="GET", path=CLUSTERS, times=2)
    client.http_get("allocations/clusters")
    path = path_template(emulator.url + "allocations/clusters/")
    assert calls.count(method="GET") == 1
    assert attempts.count(method="GET", path=path, status_class="5xx") == 2
    assert attempts.count(method="GET", path=path, status_class="2xx") == 1
    assert emulator.stats.count(method="GET", path=CLUSTERS) == attempts.count(method="GET")


def test_errors_without_an_answer_are_counted_as_error() -> None:
    metrics = MetricsMiddleware()
    client = documented_client("http://127.0.0.1:9", middleware=[metrics])
    with pytest.raises(keystone.ConnectError):
        client.http_get("allocations/clusters/4", timeout=2)
    assert metrics.count(path="allocations/clusters/{id}/", status_class="error") == 1


def test_histogram_buckets_and_bounds() -> None:
    metrics = MetricsMiddleware(buckets=(0.1, 1.0))
    for seconds in (0.05, 0.1, 0.5, 3.0):
        metrics.observe("GET", "x/", 200, seconds)
    [series] = metrics.snapshot()["series"]
    assert series["bucket_counts"] == [2, 1, 1]  # <= 0.1, <= 1.0, slower
    assert series["sum_seconds"] == pytest.approx(3.65)
    metrics.reset()
    assert metrics.snapshot()["series"] == [] and repr(metrics) == "<MetricsMiddleware calls=0>"
    for bad in ((), (1.0, 0.5), (0.0, 1.0), (1.0, 1.0)):
        with pytest.raises(ValueError, match="increasing positive"):
            MetricsMiddleware(buckets=bad)


def test_counting_is_exact_under_threads() -> None:
    metrics = MetricsMiddleware()
    threads, per_thread = 8, 2000

    def work(n: int) -> None:
        for i in range(per_thread):
            metrics.observe("GET", f"p{n % 2}/", 200 if i % 4 else 503, 0.001)

    pool = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    assert metrics.count() == threads * per_thread
    assert metrics.count(status_class="5xx") == threads * per_thread // 4
    assert metrics.count(path="p0/") == threads // 2 * per_thread


def test_sinks_receive_every_observation() -> None:
    seen: list[tuple[Any, ...]] = []

    class Sink:
        def observe(self, method: str, path: str, status_class: str, seconds: float) -> None:
            seen.append((method, path, status_class))

    metrics = MetricsMiddleware(sinks=[Sink()])
    metrics.observe("DELETE", "allocations/clusters/{id}/", 204, 0.01)
    assert seen == [("DELETE", "allocations/clusters/{id}/", "2xx")]


def test_prometheus_collector_exports_the_snapshot() -> None:
    prometheus_client = pytest.importorskip("prometheus_client")
    from keystone.middleware.metrics_prometheus import register_prometheus

    metrics = MetricsMiddleware(buckets=(0.1, 1.0))
    registry = prometheus_client.CollectorRegistry()
    register_prometheus(metrics, registry)
    metrics.observe("GET", "allocations/clusters/{id}/", 200, 0.05)
    metrics.observe("GET", "allocations/clusters/{id}/", 200, 0.5)
    metrics.observe("POST", "allocations/clusters/", None, 2.0)
    labels = {"method": "GET", "path": "allocations/clusters/{id}/", "status_class": "2xx"}
    value = registry.get_sample_value
    assert value("keystone_client_requests_total", labels) == 2
    assert value("keystone_client_request_duration_seconds_bucket", {**labels, "le": "0.1"}) == 1
    assert value("keystone_client_request_duration_seconds_bucket", {**labels, "le": "+Inf"}) == 2
    assert value("keystone_client_request_duration_seconds_sum", labels) == pytest.approx(0.55)
    errors = {"method": "POST", "path": "allocations/clusters/", "status_class": "error"}
    assert value("keystone_client_requests_total", errors) == 1
    text = prometheus_client.generate_latest(registry).decode()
    assert "# TYPE keystone_client_request_duration_seconds histogram" in text


def test_opentelemetry_sink_records_counts_and_durations() -> None:
    pytest.importorskip("opentelemetry.sdk.metrics")
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader

    from keystone.middleware.metrics_otel import OpenTelemetrySink

    reader = InMemoryMetricReader()
    provider = MeterProvider(metric_readers=[reader])
    metrics = MetricsMiddleware(sinks=[OpenTelemetrySink(provider.get_meter("test"))])
    metrics.observe("GET", "allocations/clusters/{id}/", 200, 0.02)
    metrics.observe("GET", "allocations/clusters/{id}/", 404, 0.03)
    data = reader.get_metrics_data()
    assert data is not None
    found = {
        metric.name: metric.data.data_points
        for resource in data.resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
    }
    counts = {
        p.attributes["keystone.status_class"]: p.value for p in found["keystone.client.requests"]
    }
    assert counts == {"2xx": 1, "4xx": 1}
    durations = found["http.client.request.duration"]
    assert sum(p.count for p in durations) == 2
    assert {p.attributes["url.template"] for p in durations} == {"allocations/clusters/{id}/"}
    assert next(iter(durations)).explicit_bounds[0] == 0.005  # our bounds, not the SDK's defaults


def test_adapters_are_not_imported_by_the_package() -> None:
    import subprocess
    import sys

    code = (
        "import sys, keystone, keystone_client, keystone.middleware; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('prometheus_client', 'opentelemetry')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
