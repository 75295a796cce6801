"""``api_version``, and the ``timeout=`` and context every resource method passes down."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from resource_helpers import unique
from urllib3.util import Timeout

from keystone import HookMiddleware, KeystoneClient, PermissionDeniedError, ReadTimeout, Request
from keystone.testing import FakeClock, KeystoneEmulator


def test_api_version_is_fetched_once(emulator: KeystoneEmulator) -> None:
    client = KeystoneClient(emulator.url)
    emulator.stats.reset()
    assert client.api_version == "0.0.0"
    assert client.api_version == "0.0.0"
    assert emulator.stats.count(path="/version/") == 1


def test_api_version_is_fetched_once_by_many_threads(emulator: KeystoneEmulator) -> None:
    client = KeystoneClient(emulator.url, pool_maxsize=16)
    emulator.faults.delay(0.3, path="/version/")  # keep the first fetch in flight
    emulator.stats.reset()
    start = threading.Barrier(16)
    seen: list[str] = []

    def read() -> None:
        start.wait()
        seen.append(client.api_version)

    threads = [threading.Thread(target=read) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == ["0.0.0"] * 16
    assert emulator.stats.count(path="/version/") == 1


def test_a_failed_version_fetch_is_not_kept(emulator: KeystoneEmulator) -> None:
    client = KeystoneClient(emulator.url)
    emulator.faults.status(403, path="/version/")
    with pytest.raises(PermissionDeniedError):
        _ = client.api_version
    assert client.api_version == "0.0.0"


class Recorder(HookMiddleware):
    """Middleware that remembers the timeout and call state of each request (hooks: it
    serves the async client's twin of these tests too)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, Any, dict[str, Any]]] = []

    def on_request(self, request: Request) -> None:
        call = request.call
        named = {"kind": call.kind, "resource": call.resource, "operation": call.operation}
        timeout = request.timeout
        if isinstance(timeout, Timeout):  # checked and converted when the call was made
            timeout = (timeout.connect_timeout, timeout.read_timeout)
        self.seen.append((request.method, timeout, named))


def _calls(client: KeystoneClient, pk: int) -> dict[str, Callable[[Any], Any]]:
    return {
        "create": lambda t: client.create_cluster(name=unique("t"), timeout=t),
        "retrieve one": lambda t: client.retrieve_cluster(pk, timeout=t),
        "retrieve all": lambda t: client.retrieve_cluster(filters={"id": pk}, timeout=t),
        "iter": lambda t: list(client.iter_cluster(timeout=t)),
        "update": lambda t: client.update_cluster(pk, {"description": "t"}, timeout=t),
        "delete": lambda t: client.delete_cluster(pk, timeout=t),
        "read only": lambda t: client.retrieve_task_result(timeout=t),
    }


@pytest.mark.parametrize("timeout", [2.5, (1.0, 4.0), None])
def test_every_method_passes_its_timeout_down(emulator: KeystoneEmulator, timeout: Any) -> None:
    recorder = Recorder()
    client = KeystoneClient(emulator.url, middleware=[recorder])
    client.login(emulator.admin_username, emulator.admin_password)
    pk = client.create_cluster(name=unique("timeout"))["id"]
    for name, call in _calls(client, pk).items():
        recorder.seen.clear()
        call(timeout)
        expected = timeout if isinstance(timeout, tuple) else (timeout, timeout)
        assert [seen[1] for seen in recorder.seen] == [expected], name


def test_the_context_names_the_resource_and_operation(emulator: KeystoneEmulator) -> None:
    recorder = Recorder()
    client = KeystoneClient(emulator.url, middleware=[recorder])
    client.login(emulator.admin_username, emulator.admin_password)
    recorder.seen.clear()
    pk = client.create_cluster(name=unique("ctx"))["id"]
    client.retrieve_cluster(pk)
    client.update_cluster(pk, {"enabled": False})
    client.delete_cluster(pk)
    assert [(method, context) for method, _, context in recorder.seen] == [
        ("POST", {"kind": "api", "resource": "cluster", "operation": "create"}),
        ("GET", {"kind": "api", "resource": "cluster", "operation": "retrieve"}),
        ("PATCH", {"kind": "api", "resource": "cluster", "operation": "update"}),
        ("DELETE", {"kind": "api", "resource": "cluster", "operation": "delete"}),
    ]


def test_a_short_timeout_raises(emulator: KeystoneEmulator) -> None:
    clock = FakeClock()  # the backoff between attempts, not waited for; the timeouts are real
    admin = KeystoneClient(emulator.url, clock=clock)
    admin.login(emulator.admin_username, emulator.admin_password)
    emulator.faults.delay(0.3, method="DELETE", path="/allocations/clusters/*", times=None)
    emulator.stats.reset()
    try:
        with pytest.raises(ReadTimeout) as raised:
            admin.delete_cluster(999_998, timeout=0.1)  # retried, each attempt cut at 0.1 s
    finally:
        emulator.faults.clear()
        admin.close()
    attempts = raised.value.attempts
    assert attempts is not None and attempts > 1 and len(clock.sleeps) == attempts - 1
    deadline = time.monotonic() + 10  # the delayed attempts are counted once they are done
    while emulator.stats.count(method="DELETE") < attempts and time.monotonic() < deadline:
        time.sleep(0.05)
    assert emulator.stats.count(method="DELETE") == attempts
