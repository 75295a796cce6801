"""Server restarts and idle keep-alive timeouts, against a real emulator process."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from backoff_client import Chain

from keystone import RetryPolicy
from keystone.testing import KeystoneEmulator

CLUSTERS = "allocations/clusters/"
#: Long enough to ride out a restart (about a second) on a slow machine.
PATIENT = RetryPolicy(max_attempts=40, backoff_base=0.05, backoff_cap=0.25, deadline=30)


def _login(url: str) -> str:
    credentials = {"username": "admin", "password": "admin"}
    access: str = Chain(url).send("POST", "authentication/new/", credentials).json()["access"]
    return access


@pytest.fixture
def emulator(keystone_emulator_factory: Callable[..., KeystoneEmulator]) -> KeystoneEmulator:
    return keystone_emulator_factory(
        api="0.3.26", access_token_lifetime=3600, user_throttle=None, anon_throttle=None
    )


@pytest.fixture
def chain(emulator: KeystoneEmulator) -> Iterator[Chain]:
    chain = Chain(emulator.url, PATIENT, token=_login(emulator.url))
    yield chain
    chain.close()


def _retries(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "keystone.backoff"]


def test_the_next_idempotent_request_after_a_restart_succeeds(
    emulator: KeystoneEmulator, chain: Chain, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="keystone.backoff")
    record = chain.send("POST", CLUSTERS, {"name": "before-restart"}).json()
    old_pid = emulator.pid
    emulator.restart()
    assert emulator.pid != old_pid
    emulator.stats.reset()
    detail = chain.send("GET", f"{CLUSTERS}{record['id']}/")
    assert detail.json()["name"] == "before-restart"
    assert emulator.stats.count(method="GET") == 1
    # The pooled connection to the old process was noticed closed and replaced before sending.
    assert _retries(caplog) == []


def _wait_until_refused(port: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except ConnectionRefusedError:
            return
        except OSError:
            pass  # reset while the old server shuts down
        time.sleep(0.005)
    raise AssertionError("the emulator never went down")


def test_requests_sent_while_the_server_restarts_succeed_once_it_is_back(
    emulator: KeystoneEmulator, chain: Chain, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="keystone.backoff")
    ids = [chain.send("POST", CLUSTERS, {"name": f"r{i}"}).json()["id"] for i in range(3)]
    calls: dict[str, tuple[str, str, Any]] = {
        "GET": ("GET", f"{CLUSTERS}{ids[0]}/", None),
        "PUT": ("PUT", f"{CLUSTERS}{ids[1]}/", {"name": "r1", "description": "put"}),
        "PATCH": ("PATCH", f"{CLUSTERS}{ids[1]}/", {"description": "patched"}),
        "DELETE": ("DELETE", f"{CLUSTERS}{ids[2]}/", None),
        "POST": ("POST", CLUSTERS, {"name": "during-restart"}),
    }
    emulator.stats.reset()
    results: dict[str, int | BaseException] = {}

    def send(key: str) -> None:
        method, endpoint, body = calls[key]
        try:
            results[key] = chain.send(method, endpoint, body).status_code
        except BaseException as error:
            results[key] = error

    restarting = threading.Thread(target=emulator.restart)
    restarting.start()
    _wait_until_refused(emulator.port)
    senders = [threading.Thread(target=send, args=(key,)) for key in calls]
    for thread in senders:
        thread.start()
    for thread in [restarting, *senders]:
        thread.join()

    assert results == {"GET": 200, "PUT": 200, "PATCH": 200, "DELETE": 204, "POST": 201}
    for method, endpoint, _ in calls.values():
        assert emulator.stats.count(method=method, path="/" + endpoint) == 1, method
    refused = [m for m in _retries(caplog) if "ConnectError, nothing was sent" in m]
    assert {m.split()[0] for m in refused} == set(calls)  # every method met the refusal


def test_an_idle_connection_the_server_closed_is_not_an_attempt(
    keystone_emulator_factory: Callable[..., KeystoneEmulator],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="keystone.backoff")
    emulator = keystone_emulator_factory(
        api="0.3.26", keepalive_timeout=0.2, user_throttle=None, anon_throttle=None
    )
    chain = Chain(emulator.url, token=_login(emulator.url))
    chain.send("POST", CLUSTERS, {"name": "idle-1"})
    time.sleep(0.6)  # the server closes the pooled connection meanwhile
    emulator.stats.reset()
    chain.send("POST", CLUSTERS, {"name": "idle-2"})
    assert emulator.stats.count(method="POST") == 1
    assert emulator.stats.connections == 1
    assert _retries(caplog) == []
