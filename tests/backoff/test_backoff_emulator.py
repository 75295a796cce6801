"""Each retry rule, per method, against the emulator's fault injection.

The emulator's counters say how many times each request really reached the server, so every
test asserts what the server saw, not only what the client returned.
"""

from __future__ import annotations

import email.utils
import itertools
import logging
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from backoff_client import QUICK, Chain

import keystone
from keystone import RetryPolicy
from keystone._errors import (
    ConnectError,
    DroppedOutcomeUnknownError,
    OutcomeUnknownError,
    TimeoutOutcomeUnknownError,
    TLSError,
)
from keystone._http_errors import ServerError, ThrottledError
from keystone.testing import FakeClock, KeystoneEmulator

CLUSTERS = "allocations/clusters/"
IDEMPOTENT = ["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]
NON_IDEMPOTENT = ["POST", "PATCH"]
ALL_METHODS = IDEMPOTENT + NON_IDEMPOTENT
_names = itertools.count()


@pytest.fixture(scope="module")
def server() -> Iterator[KeystoneEmulator]:
    with KeystoneEmulator(
        api="0.3.26", access_token_lifetime=3600, user_throttle=None, anon_throttle=None
    ) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def token(server: KeystoneEmulator) -> str:
    credentials = {"username": server.admin_username, "password": server.admin_password}
    answer = Chain(server.url).send("POST", "authentication/new/", credentials)
    access: str = answer.json()["access"]
    return access


@pytest.fixture
def emulator(server: KeystoneEmulator) -> Iterator[KeystoneEmulator]:
    server.faults.clear()
    server.stats.reset()
    yield server
    server.faults.clear()


@pytest.fixture
def chain(emulator: KeystoneEmulator, token: str) -> Iterator[Chain]:
    chain = Chain(emulator.url, token=token)
    yield chain
    chain.close()


class Target:
    """What one method is sent to: endpoint, body, and the path the emulator counts."""

    def __init__(self, chain: Chain, emulator: KeystoneEmulator, method: str) -> None:
        self.method = method
        self.name = f"backoff-{method.lower()}-{next(_names)}"
        self.chain = chain
        self.body: dict[str, Any] | None = None
        if method == "POST":
            self.endpoint = CLUSTERS
            self.body = {"name": self.name, "description": "created by a retry test"}
        else:
            created = chain.send("POST", CLUSTERS, {"name": self.name, "description": "x"})
            self.endpoint = f"{CLUSTERS}{created.json()['id']}/"
            if method == "OPTIONS":
                self.endpoint = CLUSTERS
            elif method == "PUT":
                self.body = {"name": self.name, "description": "put", "enabled": False}
            elif method == "PATCH":
                self.body = {"description": "patched"}
        self.path = "/" + self.endpoint
        emulator.stats.reset()
        self.emulator = emulator

    def send(self, **options: Any) -> keystone.Response:
        return self.chain.send(self.method, self.endpoint, self.body, **options)

    def count(self, **filters: Any) -> int:
        return self.emulator.stats.count(method=self.method, path=self.path, **filters)

    def eventually_count(self, expected: int, **filters: Any) -> int:
        """The count once delayed requests finished on the server (they are counted last)."""
        deadline = time.monotonic() + 10
        while self.count(**filters) < expected and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.count(**filters)

    def created(self) -> int:
        listed = self.chain.send("GET", CLUSTERS, retry=QUICK, timeout=10).json()
        return sum(1 for record in listed if record["name"] == self.name)


def _fault(emulator: KeystoneEmulator, target: Target, kind: str, **options: Any) -> None:
    add = getattr(emulator.faults, kind)
    add(method=target.method, path=target.path, **options)


# -- nothing sent: any method ------------------------------------------------------------------


@pytest.mark.parametrize("method", ALL_METHODS)
def test_connection_refused_is_retried_for_every_method(method: str) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: connections are refused
        chain = Chain(f"http://127.0.0.1:{port}/", RetryPolicy(3, 0.01, 0.02))
        with pytest.raises(ConnectError) as info:
            chain.send(method, CLUSTERS, {"name": "x"} if method in NON_IDEMPOTENT else None)
    assert info.value.attempts == 3 and info.value.request_sent is False
    assert "Gave up after 3 attempts" in str(info.value)


@pytest.mark.parametrize("method", ALL_METHODS)
def test_a_tls_handshake_cut_short_is_retried(method: str) -> None:
    """A connection closed during the handshake (a balancer dropping it) may pass next time."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        accepted = []

        def cut() -> None:
            while True:
                try:
                    conn, _ = listener.accept()
                except OSError:
                    return
                accepted.append(conn)
                conn.close()

        threading.Thread(target=cut, daemon=True).start()
        port = listener.getsockname()[1]
        tls = Chain(f"https://127.0.0.1:{port}/", RetryPolicy(3, 0.01, 0.02))
        with pytest.raises(ConnectError) as info:
            tls.send(method, CLUSTERS, {"name": "x"} if method in NON_IDEMPOTENT else None)
    assert not isinstance(info.value, TLSError)
    assert info.value.attempts == 3 and info.value.request_sent is False
    assert len(accepted) == 3


@pytest.mark.parametrize("method", ALL_METHODS)
def test_https_at_a_plain_http_port_is_not_retried_and_never_reaches_the_server(
    method: str, chain: Chain, emulator: KeystoneEmulator
) -> None:
    target = Target(chain, emulator, method)
    tls = Chain(emulator.url.replace("http://", "https://"), RetryPolicy(3, 0.01, 0.02))
    with pytest.raises(TLSError) as info:
        tls.send(method, target.endpoint, target.body)
    assert info.value.attempts == 1  # it would fail the same way every time
    assert emulator.stats.total == 0


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_dns_failure_is_retried(method: str) -> None:
    chain = Chain("http://keystone.invalid/", RetryPolicy(2, 0.01, 0.02))
    with pytest.raises(ConnectError) as info:
        chain.send(method, CLUSTERS)
    assert info.value.attempts == 2


# -- sent, unanswered: idempotent only ----------------------------------------------------------

DROPS = [
    pytest.param("drop_after_processing", {}, id="after-processing"),
    pytest.param("drop_after_processing", {"reset": True}, id="after-processing-reset"),
    pytest.param("drop_before_processing", {}, id="before-processing"),
]


@pytest.mark.parametrize("method", IDEMPOTENT)
@pytest.mark.parametrize(("kind", "options"), DROPS)
def test_a_drop_after_sending_is_retried_when_idempotent(
    method: str, kind: str, options: dict[str, Any], chain: Chain, emulator: KeystoneEmulator
) -> None:
    target = Target(chain, emulator, method)
    if method == "DELETE" and kind == "drop_after_processing":
        # The first DELETE did delete: the retry finds nothing, and says it was a retry.
        _fault(emulator, target, kind, **options)
        with pytest.raises(keystone.NotFoundError) as info:
            target.send()
        assert info.value.attempts == 2
    else:
        _fault(emulator, target, kind, **options)
        assert target.send().ok
    assert target.count() == 2
    assert target.count(dropped=True) == 1


@pytest.mark.parametrize("method", NON_IDEMPOTENT)
@pytest.mark.parametrize(("kind", "options"), DROPS)
def test_a_drop_after_sending_is_outcome_unknown_for_post_and_patch(
    method: str, kind: str, options: dict[str, Any], chain: Chain, emulator: KeystoneEmulator
) -> None:
    target = Target(chain, emulator, method)
    _fault(emulator, target, kind, **options)
    with pytest.raises(DroppedOutcomeUnknownError) as info:
        target.send()
    assert f"{method} {emulator.url}{target.endpoint}" in str(info.value)
    assert target.count() == 1
    processed = kind == "drop_after_processing"
    assert target.count(processed=True) == int(processed)
    if method == "POST":
        assert target.created() == int(processed)


@pytest.mark.parametrize("method", NON_IDEMPOTENT)
def test_post_and_patch_are_sent_again_after_a_drop_when_opted_in(
    method: str, chain: Chain, emulator: KeystoneEmulator
) -> None:
    target = Target(chain, emulator, method)
    _fault(emulator, target, "drop_before_processing")
    assert target.send(retry=QUICK.replace(retry_non_idempotent=True)).ok
    assert target.count() == 2
    if method == "POST":
        assert target.created() == 1


# Over the wire: a method without a body, one whose body is sent again, and the DELETE whose
# delayed first attempt may win; that every idempotent method is retried after a read timeout,
# and that PATCH is outcome unknown as POST is, test_backoff_unit.py checks per method.
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_a_read_timeout_is_retried_when_idempotent(
    method: str, chain: Chain, emulator: KeystoneEmulator
) -> None:
    target = Target(chain, emulator, method)
    _fault(emulator, target, "delay", seconds=0.6)
    try:
        target.send(timeout=(5, 0.25))
    except keystone.NotFoundError as error:  # the delayed DELETE won the race
        assert method == "DELETE" and error.attempts == 2
    assert target.eventually_count(2) == 2


def test_a_read_timeout_is_outcome_unknown_for_a_post(
    chain: Chain, emulator: KeystoneEmulator
) -> None:
    target = Target(chain, emulator, "POST")
    _fault(emulator, target, "delay", seconds=0.6)
    with pytest.raises(TimeoutOutcomeUnknownError) as info:
        target.send(timeout=(5, 0.25))
    assert isinstance(info.value, keystone.ReadTimeout)
    assert target.eventually_count(1) == 1
    assert target.created() == 1  # it was applied after all: hence "unknown"


# -- statuses -----------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ALL_METHODS)
@pytest.mark.parametrize(
    ("status", "retry_after"), [(429, None), (429, 0), (503, 0)], ids=["429", "429-ra", "503-ra"]
)
def test_refusals_are_retried_for_every_method(
    method: str,
    status: int,
    retry_after: int | None,
    chain: Chain,
    emulator: KeystoneEmulator,
) -> None:
    target = Target(chain, emulator, method)
    _fault(emulator, target, "status", code=status, retry_after=retry_after, times=2)
    assert target.send().ok
    assert target.count() == 3 and target.count(status=status) == 2
    if method == "POST":
        assert target.created() == 1


@pytest.mark.parametrize("method", IDEMPOTENT)
@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_are_retried_when_idempotent(
    method: str, status: int, chain: Chain, emulator: KeystoneEmulator
) -> None:
    target = Target(chain, emulator, method)
    _fault(emulator, target, "status", code=status)
    assert target.send().ok
    assert target.count() == 2


@pytest.mark.parametrize("method", NON_IDEMPOTENT)
@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_are_not_retried_for_post_and_patch(
    method: str, status: int, chain: Chain, emulator: KeystoneEmulator
) -> None:
    target = Target(chain, emulator, method)
    _fault(emulator, target, "status", code=status)
    with pytest.raises(ServerError) as info:
        target.send()
    assert info.value.status_code == status and info.value.attempts == 1
    assert target.count() == 1


def test_attempts_run_out(chain: Chain, emulator: KeystoneEmulator) -> None:
    target = Target(chain, emulator, "GET")
    _fault(emulator, target, "status", code=503, times=None)
    with pytest.raises(ServerError) as info:
        target.send()
    assert info.value.attempts == 4 and target.count() == 4
    assert info.value.elapsed is not None and info.value.last_response is info.value.response


# -- Retry-After: the server's time, bounded by max_retry_after -----------------------------------


@pytest.mark.parametrize("method", ALL_METHODS)
def test_a_throttle_longer_than_the_call_may_wait_is_raised_at_once(
    method: str, chain: Chain, emulator: KeystoneEmulator
) -> None:
    target = Target(chain, emulator, method)
    _fault(emulator, target, "status", code=429, retry_after=60)
    with pytest.raises(ThrottledError) as info:
        target.send(retry=RetryPolicy(max_retry_after=30))
    assert info.value.retry_after == 60 and info.value.attempts == 1
    assert "max_retry_after" in str(info.value)
    assert target.count() == 1  # not sent again, nor waited for


def test_a_503_retry_after_date_past_what_the_call_may_wait_is_raised_at_once(
    chain: Chain, emulator: KeystoneEmulator
) -> None:
    target = Target(chain, emulator, "GET")
    when = email.utils.formatdate(time.time() + 90, usegmt=True)
    _fault(emulator, target, "status", code=503, retry_after=when)
    with pytest.raises(ServerError) as info:
        target.send(retry=RetryPolicy(max_retry_after=20))
    assert info.value.retry_after is not None and 60 < info.value.retry_after <= 90
    assert "max_retry_after" in str(info.value)
    assert target.count() == 1


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_is_waited_for(
    emulator: KeystoneEmulator, token: str, caplog: pytest.LogCaptureFixture, status: int
) -> None:
    """The wait is the server's, on the client's clock: a fake one, so nobody waits."""
    caplog.set_level(logging.INFO, logger="keystone")
    clock = FakeClock()
    chain = Chain(emulator.url, token=token, clock=clock)
    target = Target(chain, emulator, "POST")
    _fault(emulator, target, "status", code=status, retry_after=1)
    assert target.send().status_code == 201
    assert clock.sleeps == [1]  # the Retry-After, once, and no backoff of its own
    assert target.count() == 2 and target.created() == 1
    chain.close()
    if status == 429:  # a throttle: every request of the client waits
        assert "sent again when the throttle lets it" in caplog.text
        assert "the server throttles this client; its requests wait 1 s" in caplog.text
    else:  # the server is down: this call waits, within its deadline
        assert "retrying in 1.00 s" in caplog.text


# -- no retries ---------------------------------------------------------------------------------


def test_a_disabled_policy_sends_once(chain: Chain, emulator: KeystoneEmulator) -> None:
    target = Target(chain, emulator, "GET")
    _fault(emulator, target, "status", code=503, times=3)
    with pytest.raises(ServerError) as info:
        target.send(retry=RetryPolicy.disabled())
    assert info.value.attempts == 1 and target.count() == 1


def test_outcome_unknown_is_an_outcome_unknown_error(
    chain: Chain, emulator: KeystoneEmulator
) -> None:
    target = Target(chain, emulator, "POST")
    _fault(emulator, target, "drop_after_processing")
    with pytest.raises(OutcomeUnknownError):
        target.send(retry=RetryPolicy.disabled())
