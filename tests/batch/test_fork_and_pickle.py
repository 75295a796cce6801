"""A client survives os.fork() and pickling: fresh connections, same session."""

from __future__ import annotations

import os
import pickle
import sys
from collections.abc import Iterator

import pytest

from keystone import KeystoneClient
from keystone.testing import KeystoneEmulator

CLUSTERS = "/allocations/clusters/"


@pytest.fixture(scope="module")
def emulator() -> Iterator[KeystoneEmulator]:
    with KeystoneEmulator(api="0.3.26", user_throttle=None, anon_throttle=None) as server:
        yield server


def login(emulator: KeystoneEmulator) -> KeystoneClient:
    client = KeystoneClient(emulator.url, timeout=20)
    client.login(emulator.admin_username, emulator.admin_password)
    client.http_get("allocations/clusters")  # a pooled connection now exists
    return client


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_client_created_before_fork_works_in_the_child(emulator: KeystoneEmulator) -> None:
    client = login(emulator)
    emulator.stats.reset()
    pid = os.fork()
    if pid == 0:  # child: no pytest machinery, report through the exit status
        code = 1
        try:
            response = client.http_post("allocations/clusters", {"name": "from-child"})
            code = 0 if response.status_code == 201 and client.is_authenticated else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert emulator.stats.count(method="POST", path=CLUSTERS, status=201) == 1
    assert emulator.stats.count(path="/authentication/new/") == 0  # same session, no login
    names = [c["name"] for c in client.http_get("allocations/clusters").json()]
    assert names.count("from-child") == 1  # the parent's pool still works too


def test_pickled_client_carries_the_session_not_the_pool(emulator: KeystoneEmulator) -> None:
    client = login(emulator)
    emulator.stats.reset()
    clone = pickle.loads(pickle.dumps(client))
    assert clone is not client
    assert clone.url == client.url
    assert clone.is_authenticated
    assert clone._core.transport is not client._core.transport
    assert clone.http_get("allocations/clusters").status_code == 200
    assert emulator.stats.count(path="/authentication/new/") == 0


def test_pickled_client_works_in_another_process(emulator: KeystoneEmulator) -> None:
    import subprocess

    client = login(emulator)
    code = (
        "import pickle, sys; c = pickle.loads(sys.stdin.buffer.read()); "
        "print(c.http_get('allocations/clusters').status_code)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], input=pickle.dumps(client), capture_output=True, timeout=60
    )
    assert result.stdout.strip() == b"200", result.stderr.decode()


def test_unpicklable_middleware_is_reported(emulator: KeystoneEmulator) -> None:
    client = KeystoneClient(
        emulator.url, middleware=[lambda request, call_next: call_next(request)]
    )
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        pickle.dumps(client)
