"""Fault rules and counters: matching and consumption, each fault kind over real sockets,
and exact counts under concurrency."""

from __future__ import annotations

import http.client
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import urllib3
from urllib3.exceptions import ProtocolError

from keystone.testing import DROPPED, EmulatorControl, FaultRule
from keystone.testing.faults import FaultTable
from keystone.testing.httpd import EmulatorHTTPServer

ServerFactory = Callable[..., EmulatorHTTPServer]


class CountingApp:
    """Counts the requests that reached the application, per path."""

    def __init__(self) -> None:
        self.calls: dict[str, int] = {}
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        with self._lock:
            path = environ["PATH_INFO"]
            self.calls[path] = self.calls.get(path, 0) + 1
        environ["wsgi.input"].read()
        start_response("201 Created", [("Content-Type", "application/json")])
        return [b"{}"]


@pytest.fixture
def app() -> CountingApp:
    return CountingApp()


@pytest.fixture
def server(http_server_factory: ServerFactory, app: CountingApp) -> EmulatorHTTPServer:
    return http_server_factory(app)


@pytest.fixture
def control(server: EmulatorHTTPServer) -> EmulatorControl:
    return EmulatorControl(server.url)


@pytest.fixture
def pool(server: EmulatorHTTPServer) -> Iterable[urllib3.HTTPConnectionPool]:
    pool = urllib3.HTTPConnectionPool(server.host, server.port, maxsize=4, retries=False)
    yield pool
    pool.close()


# -- the rule table --------------------------------------------------------------------------


def test_rules_apply_in_order_and_are_consumed() -> None:
    table = FaultTable()
    first = table.add(FaultRule("status", status=503, times=2, method="post", path="items/*"))
    table.add(FaultRule("status", status=429, path="/items/*"))
    assert first.method == "POST" and first.path == "/items/*"
    assert table.take("GET", "/other/") is None
    taken = table.take("GET", "/items/1/")
    assert taken is not None and taken.status == 429  # the POST rule does not match a GET
    assert table.take("GET", "/items/1/") is None
    a, b = table.take("POST", "/items/1/"), table.take("POST", "/items/2/")
    assert a is not None and a.status == 503 and a.remaining == 1
    assert b is not None and b.status == 503 and b.remaining == 0
    assert table.take("POST", "/items/1/") is None
    assert table.rules() == []


def test_unlimited_rules_regexes_and_removal() -> None:
    table = FaultTable()
    forever = table.add(FaultRule("delay", seconds=0, times=None, path_regex=r"/a/\d+/"))
    assert forever.remaining is None
    for _ in range(5):
        assert table.take("GET", "/a/12/") is not None
    assert table.take("GET", "/a/12/x/") is None  # the regex must match the whole path
    assert table.remove(forever.id)
    assert not table.remove(forever.id)
    table.add(FaultRule("drop_before_processing"))
    table.add(FaultRule("drop_after_processing"))
    assert table.clear() == 2


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "nope"}, "unknown fault kind"),
        ({"kind": "status"}, "status code"),
        ({"kind": "status", "status": 99}, "status code"),
        ({"kind": "delay", "seconds": -1}, "negative"),
        ({"kind": "delay", "times": 0}, "positive"),
        ({"kind": "delay", "path_regex": "("}, "missing"),
    ],
)
def test_invalid_rules_are_refused(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(Exception, match=message):
        FaultRule(**fields)


def test_rules_round_trip_through_json_and_refuse_unknown_fields() -> None:
    rule = FaultRule("status", status=429, retry_after="7", body={"x": 1}, headers={"X-A": "b"})
    assert FaultRule.from_dict(rule.to_dict()) == rule
    with pytest.raises(ValueError, match="unknown fault rule fields"):
        FaultRule.from_dict({"kind": "status", "status": 500, "color": "red"})


# -- each kind, over sockets -----------------------------------------------------------------


def test_status_fault_answers_without_reaching_the_app(
    control: EmulatorControl, pool: urllib3.HTTPConnectionPool, app: CountingApp
) -> None:
    control.faults.status(429, path="/items/", retry_after=7, times=2)
    for _ in range(2):
        response = pool.request("POST", "/items/", body=b"{}")
        assert response.status == 429
        assert response.headers["Retry-After"] == "7"
        assert response.json() == {
            "detail": "Request was throttled. Expected available in 7 seconds."
        }
    assert pool.request("POST", "/items/", body=b"{}").status == 201
    assert app.calls == {"/items/": 1}
    stats = control.stats.snapshot()
    assert stats.count(status=429, processed=False, fault="status") == 2
    assert stats.count(path="items/", processed=True) == 1


def test_status_fault_body_headers_and_defaults(
    control: EmulatorControl, pool: urllib3.HTTPConnectionPool
) -> None:
    control.faults.status(503, method="GET")
    control.faults.status(500, body={"oops": [1]}, headers={"X-Fault": "yes"})
    control.faults.status(204)
    control.faults.status(418)
    first = pool.request("GET", "/a/")
    assert (first.status, first.json()) == (
        503,
        {"detail": "Service temporarily unavailable, try again later."},
    )
    assert "Retry-After" not in first.headers
    second = pool.request("GET", "/a/")
    assert (second.status, second.json(), second.headers["X-Fault"]) == (500, {"oops": [1]}, "yes")
    third = pool.request("GET", "/a/")
    assert (third.status, third.data) == (204, b"")
    assert pool.request("HEAD", "/a/").status == 418
    assert pool.request("GET", "/a/").status == 201
    assert control.stats.connections == 1  # status faults keep the connection alive


def test_drop_after_processing_runs_the_app_then_drops(
    control: EmulatorControl, pool: urllib3.HTTPConnectionPool, app: CountingApp
) -> None:
    control.faults.drop_after_processing(method="POST", path="/items/")
    with pytest.raises(ProtocolError) as caught:
        pool.request("POST", "/items/", body=b'{"name": "a"}')
    assert isinstance(caught.value.args[1], http.client.RemoteDisconnected)
    assert app.calls == {"/items/": 1}  # processed: the record exists although no answer came
    assert pool.request("POST", "/items/", body=b"{}").status == 201
    stats = control.stats.snapshot()
    assert stats.count(method="POST", path="/items/", dropped=True, processed=True) == 1
    assert stats.statuses(path="/items/") == {DROPPED: 1, 201: 1}


def test_drop_before_processing_never_reaches_the_app(
    control: EmulatorControl, pool: urllib3.HTTPConnectionPool, app: CountingApp
) -> None:
    control.faults.drop_before_processing(path="/items/")
    with pytest.raises(ProtocolError):
        pool.request("POST", "/items/", body=b"{}")
    assert app.calls == {}
    assert control.stats.count(dropped=True, processed=False) == 1


def test_drop_with_reset(
    control: EmulatorControl, server: EmulatorHTTPServer, app: CountingApp
) -> None:
    control.faults.drop_after_processing(reset=True)
    connection = http.client.HTTPConnection(server.host, server.port, timeout=5)
    connection.request("POST", "/items/", body=b"{}")
    with pytest.raises(ConnectionResetError):
        connection.getresponse()
    connection.close()
    assert app.calls == {"/items/": 1}


def test_delay_then_processed(
    control: EmulatorControl, pool: urllib3.HTTPConnectionPool, app: CountingApp
) -> None:
    control.faults.delay(0.4, path="/slow/")
    started = time.monotonic()
    assert pool.request("GET", "/slow/").status == 201
    assert time.monotonic() - started >= 0.4
    assert app.calls == {"/slow/": 1}
    with pytest.raises(urllib3.exceptions.ReadTimeoutError):
        control.faults.delay(0.8, path="/slow/")
        pool.request("GET", "/slow/", timeout=urllib3.Timeout(read=0.2))
    deadline = time.monotonic() + 10  # the server still processes the request it delayed
    while control.stats.count(path="/slow/", fault="delay") < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert app.calls == {"/slow/": 2}


def test_fault_listing_removal_and_clearing(control: EmulatorControl) -> None:
    assert control.faults.list() == []
    first = control.faults.status(503, times=3)
    second = control.faults.delay(1, method="get", path_regex="/x/.*", times=None)
    listed = control.faults.list()
    assert [rule.id for rule in listed] == [first.id, second.id]
    assert listed[1].method == "GET" and listed[1].remaining is None
    assert control.faults.remove(first)
    assert not control.faults.remove(first.id)
    assert len(control.faults) == 1
    assert control.faults.clear() == 1
    assert control.faults.list() == []


def test_counts_are_exact_under_concurrency(
    control: EmulatorControl, server: EmulatorHTTPServer, app: CountingApp
) -> None:
    threads, per_thread = 16, 50
    control.faults.status(503, method="GET", path="/b/", times=37, retry_after=1)
    control.faults.drop_before_processing(method="DELETE", path="/c/*", times=11)
    manager = urllib3.PoolManager(maxsize=threads, retries=False)

    def work(worker: int) -> int:
        dropped = 0
        for i in range(per_thread):
            method, path = [("POST", "/a/"), ("GET", "/b/"), ("DELETE", f"/c/{worker}/")][i % 3]
            try:
                manager.request(method, f"{server.url.rstrip('/')}{path}?i={i}", body=b"{}")
            except ProtocolError:
                dropped += 1
        return dropped

    with ThreadPoolExecutor(threads) as pool:
        dropped = sum(pool.map(work, range(threads)))
    stats = control.stats.snapshot()
    per_kind = [len(range(k, per_thread, 3)) * threads for k in range(3)]
    assert stats.total == threads * per_thread
    assert stats.count(method="POST", path="/a/") == per_kind[0]
    assert stats.count(method="GET", path="/b/", status=503) == 37
    assert stats.count(method="GET", path="/b/", status="2xx") == per_kind[1] - 37
    assert stats.count(method="DELETE", path_prefix="/c/") == per_kind[2]
    assert stats.count(dropped=True) == dropped == 11
    assert stats.count(processed=True) == sum(app.calls.values()) == 800 - 37 - 11
    assert control.faults.list() == []
    control.stats.reset()
    assert control.stats.total == 0
    assert control.stats.connections == 0
    manager.clear()
