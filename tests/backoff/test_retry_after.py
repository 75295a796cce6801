"""``Retry-After`` is parsed strictly and every wait it asks for is capped.

A header the client cannot read is treated as absent, never raised; a wait longer than the
policy's ``max_retry_after`` (300 s by default) ends the call at once with ``ThrottledError``
and its ``retry_after``, with or without a deadline.
"""

from __future__ import annotations

import email.utils
from collections.abc import Iterator

import pytest
from local_server import Canned, LocalServer

import keystone
from keystone import KeystoneClient, RetryPolicy
from keystone._retry_after import LONGEST_RETRY_AFTER, parse_retry_after
from keystone.testing import FakeClock, KeystoneEmulator

CLUSTERS = "/allocations/clusters/"
NOW = 1_700_000_000.0


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("7", 7.0),
        (" 7 ", 7.0),
        ("0", 0.0),
        ("0007", 7.0),
        ("9" * 400, LONGEST_RETRY_AFTER),  # was OverflowError
        ("9" * 5000, LONGEST_RETRY_AFTER),  # past int()'s 4300-digit limit
        ("²", None),  # str.isdigit() is true; int() refused it with ValueError
        ("١٢", None),  # Arabic-Indic digits: not delay-seconds either
        ("1.5", None),
        ("-1", None),
        ("soon", None),
        ("", None),
        (None, None),
        ("Mon, 99 Foo 2024 25:61:00 GMT", None),
        ("Fri, 31 Dec 9999 23:59:59 GMT", LONGEST_RETRY_AFTER),
        (email.utils.formatdate(NOW + 30, usegmt=True), 30.0),
        (email.utils.formatdate(NOW - 30, usegmt=True), 0.0),
    ],
)
def test_parsing(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, now=NOW) == seconds


def test_max_retry_after_is_validated() -> None:
    with pytest.raises(ValueError, match="max_retry_after"):
        RetryPolicy(max_retry_after=float("inf"))
    assert RetryPolicy().max_retry_after == 300.0


@pytest.fixture(scope="module")
def server() -> Iterator[KeystoneEmulator]:
    with KeystoneEmulator(api="0.3.26", user_throttle=None, anon_throttle=None) as emulator:
        yield emulator


@pytest.fixture
def client(server: KeystoneEmulator) -> KeystoneClient:
    server.faults.clear()
    server.stats.reset()
    client = KeystoneClient(
        server.url, retry=RetryPolicy(deadline=None, backoff_base=0.01, backoff_cap=0.01)
    )
    client.login(server.admin_username, server.admin_password)
    return client


def test_an_endless_retry_after_without_a_deadline_raises_at_once(
    server: KeystoneEmulator, client: KeystoneClient
) -> None:
    server.faults.status(429, method="GET", path=CLUSTERS, retry_after="9" * 400)
    with pytest.raises(keystone.ThrottledError) as info:
        client.http_get("allocations/clusters")
    error = info.value
    assert error.retry_after == LONGEST_RETRY_AFTER and error.attempts == 1
    assert "longer than the call may wait for throttles (300 s in all)" in str(error)
    assert server.stats.count(method="GET", path=CLUSTERS) == 1


def test_a_retry_after_above_the_policys_cap_raises_at_once(
    server: KeystoneEmulator, client: KeystoneClient
) -> None:
    server.faults.status(503, method="GET", path=CLUSTERS, retry_after=5)
    with pytest.raises(keystone.ServerError) as info:
        client.http_get("allocations/clusters", retry=RetryPolicy(max_retry_after=2))
    assert info.value.retry_after == 5 and info.value.attempts == 1


@pytest.mark.parametrize("garbage", ["²", "1.5", "later"])
def test_an_unreadable_retry_after_is_treated_as_absent(
    server: KeystoneEmulator, client: KeystoneClient, garbage: str
) -> None:
    server.faults.status(429, method="GET", path=CLUSTERS, retry_after=garbage)
    assert client.http_get("allocations/clusters").ok  # a 429 is retried, with backoff
    assert server.stats.count(method="GET", path=CLUSTERS) == 2
    server.faults.status(503, method="POST", path=CLUSTERS, retry_after=garbage)
    with pytest.raises(keystone.ServerError) as info:  # a 503 without Retry-After: not resent
        client.create_cluster(name="garbage-retry-after")
    assert info.value.retry_after is None
    assert server.stats.count(method="POST", path=CLUSTERS) == 1


def test_max_retry_after_caps_only_the_servers_waits(local_server: LocalServer) -> None:
    """Long backoff waits are the policy's own choice: max_retry_after does not cut them."""
    local_server.route("GET", "/down/", Canned(503, {"detail": "down"}))
    clock = FakeClock()
    policy = RetryPolicy(deadline=None, backoff_base=1000, backoff_cap=1000, max_retry_after=1)
    client = KeystoneClient(local_server.url, retry=policy, clock=clock)
    with pytest.raises(keystone.ServerError) as info:
        client.http_get("down")
    assert info.value.attempts == 4 and len(clock.sleeps) == 3
    assert "Gave up after 4 attempts" in str(info.value)
