"""A failed re-login never leaves the old identity in place; locks survive a fork; renewals
are logged at the level an operator needs."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator

import pytest

import keystone
from keystone import KeystoneClient
from keystone.testing import FakeClock, KeystoneEmulator, UserSpec

CLUSTERS = "/allocations/clusters/"
REFRESH = "/authentication/refresh/"
REJECTED = {"detail": "Given token not valid for any token type", "code": "token_not_valid"}


@pytest.fixture(scope="module")
def emulator() -> Iterator[KeystoneEmulator]:
    with KeystoneEmulator(
        api="0.3.26",
        access_token_lifetime=2,
        users=[UserSpec("bob", "Bob-pw-7Hq9!zXv")],
        user_throttle=None,
        anon_throttle=None,
    ) as server:
        yield server


@pytest.fixture(autouse=True)
def _clean(emulator: KeystoneEmulator) -> None:
    emulator.faults.clear()
    emulator.stats.reset()


def admin(emulator: KeystoneEmulator) -> KeystoneClient:
    client = KeystoneClient(emulator.url, clock=FakeClock())
    client.login(emulator.admin_username, emulator.admin_password)
    return client


def test_a_failed_login_leaves_the_client_logged_out(emulator: KeystoneEmulator) -> None:
    client = admin(emulator)
    with pytest.raises(keystone.AuthenticationError):
        client.login("bob", "wrong-password")
    assert not client.is_authenticated
    with pytest.raises(keystone.AuthenticationError):
        client.create_cluster(name="as-whom")  # never as the admin
    assert emulator.stats.count(method="POST", path=CLUSTERS, status=201) == 0


def test_a_login_that_fails_in_transit_also_ends_the_old_session(
    emulator: KeystoneEmulator,
) -> None:
    client = admin(emulator)
    emulator.faults.status(400, method="POST", path="/authentication/new/", body={"x": ["bad"]})
    with pytest.raises(keystone.ValidationError):
        client.login("bob", "Bob-pw-7Hq9!zXv")
    assert not client.is_authenticated


def _fork_and_run(work: Callable[[], None]) -> int:
    """Run ``work`` in a forked child; its exit status (0 when it returned), or -1 if it hung."""
    pid = os.fork()
    if pid == 0:  # the child
        try:
            work()
        except BaseException:
            os._exit(1)
        os._exit(0)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.05)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    return -1


def test_a_logout_during_a_renewal_does_not_wait_for_it_and_is_not_undone(
    emulator: KeystoneEmulator,
) -> None:
    """A renewal holds its own lock across the refresh request, never the session's: logging
    out meanwhile returns at once (the async client would otherwise block its event loop),
    and the renewal, answered after it, does not bring the ended session back."""
    client = admin(emulator)
    emulator.faults.delay(0.8, method="POST", path=REFRESH)
    client.auth.clock.advance(1.9)  # type: ignore[attr-defined]  # next call renews the token
    outcome: list[object] = []

    def call() -> None:
        try:
            outcome.append(client.http_get("allocations/clusters").status_code)
        except keystone.SessionExpiredError as error:
            outcome.append(error)

    renewing = threading.Thread(target=call)
    renewing.start()
    try:
        for _ in range(200):
            if client.auth.active._renewing.locked():  # type: ignore[attr-defined]
                break
            time.sleep(0.01)
        assert client.auth.active._renewing.locked()  # type: ignore[attr-defined]
        client.logout()  # the refresh is still on its way
        assert client.auth.active._renewing.locked()  # type: ignore[attr-defined]
        assert not client.is_authenticated
    finally:
        renewing.join()
    assert not client.is_authenticated  # the renewal's answer came later, and was not kept
    assert emulator.stats.count(method="POST", path=REFRESH) == 1
    # The logout blacklisted the refresh token before the server read the renewal: the call
    # that renewed learns that its session ended.
    assert len(outcome) == 1 and isinstance(outcome[0], keystone.SessionExpiredError)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_fork_during_a_renewal_leaves_the_childs_session_usable(
    emulator: KeystoneEmulator,
) -> None:
    client = admin(emulator)
    emulator.faults.delay(0.8, method="POST", path=REFRESH)
    client.auth.clock.advance(1.9)  # type: ignore[attr-defined]  # next call renews the token
    renewing = threading.Thread(target=client.http_get, args=("allocations/clusters",))
    renewing.start()
    try:
        for _ in range(200):
            if client.auth.active._renewing.locked():  # type: ignore[attr-defined]
                break
            time.sleep(0.01)
        assert client.auth.active._renewing.locked()  # type: ignore[attr-defined]

        def in_child() -> None:  # logs in afresh: logging out would end the parent's session
            client.login(emulator.admin_username, emulator.admin_password)
            client.http_get("allocations/clusters")
            client.close()
            client.logout()

        assert _fork_and_run(in_child) == 0
    finally:
        renewing.join()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_fork_during_a_version_fetch_leaves_api_version_usable(
    emulator: KeystoneEmulator,
) -> None:
    client = admin(emulator)
    emulator.faults.delay(0.8, method="GET", path="/version/")
    fetching = threading.Thread(target=lambda: client.api_version)
    fetching.start()
    try:
        time.sleep(0.3)

        def in_child() -> None:
            emulator.faults.clear()
            assert client.api_version == "0.0.0"

        assert _fork_and_run(in_child) == 0
    finally:
        fetching.join()


def test_a_planned_renewal_logs_info_and_a_forced_one_warning(
    emulator: KeystoneEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    client = admin(emulator)
    caplog.set_level(logging.INFO, logger="keystone.auth")
    client.auth.clock.advance(1.9)  # type: ignore[attr-defined]
    client.http_get("allocations/clusters")  # renewed ahead of expiry
    emulator.faults.status(401, method="GET", path=CLUSTERS, body=REJECTED)
    client.http_get("allocations/clusters")  # renewed because the server refused the token
    renewals = [r for r in caplog.records if r.name == "keystone.auth"]
    assert [(r.levelno, r.getMessage()) for r in renewals] == [
        (logging.INFO, "access token renewed: it is about to expire"),
        (logging.WARNING, "access token renewed: the server refused it (401)"),
    ]
