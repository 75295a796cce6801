"""Sessions against the Keystone emulator with short token lifetimes.

The emulator's counters say how many refresh requests really reached the server.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

import keystone
from keystone import KeystoneClient, Request, Response
from keystone.auth.tokens import claims_of
from keystone.pipeline import Handler
from keystone.testing import KeystoneEmulator

ACCESS_LIFETIME = 1.5
CLUSTERS = "/allocations/clusters/"
REFRESH = "/authentication/refresh/"
REJECTED = {
    "detail": "Given token not valid for any token type",
    "code": "token_not_valid",
    "messages": [{"token_class": "AccessToken", "token_type": "access", "message": "expired"}],
}


@pytest.fixture(scope="module")
def server() -> Iterator[KeystoneEmulator]:
    with KeystoneEmulator(
        api="0.3.26",
        access_token_lifetime=ACCESS_LIFETIME,
        refresh_token_lifetime=3600,
        user_throttle=None,
        anon_throttle=None,
    ) as emulator:
        yield emulator


@pytest.fixture
def emulator(server: KeystoneEmulator) -> KeystoneEmulator:
    server.faults.clear()
    server.stats.reset()
    return server


def logged_in(emulator: KeystoneEmulator, **options: Any) -> KeystoneClient:
    client = KeystoneClient(emulator.url, **options)
    client.login(emulator.admin_username, emulator.admin_password)
    return client


class Recorder:
    """Middleware that keeps what login/refresh/logout sent and received (to find secrets)."""

    def __init__(self) -> None:
        self.secrets: list[str] = []

    def __call__(self, request: Request, call_next: Handler) -> Response:
        kind = request.context.get("kind")
        if isinstance(request.json, dict):
            self.secrets += [v for k, v in request.json.items() if k in ("password", "refresh")]
        response = call_next(request)
        if kind in ("login", "refresh"):
            self.secrets += [v for k, v in response.json().items() if k in ("access", "refresh")]
        return response


def test_login_bad_credentials_and_missing_field(emulator: KeystoneEmulator) -> None:
    client = KeystoneClient(emulator.url)
    with pytest.raises(keystone.AuthenticationError, match="No active account found"):
        client.login(emulator.admin_username, "wrong-password")
    with pytest.raises(keystone.ValidationError) as info:
        client.login(emulator.admin_username, "")
    assert "password" in info.value.errors
    assert client.is_authenticated is False
    client.login(emulator.admin_username, emulator.admin_password)
    assert client.is_authenticated is True
    assert client.http_get("allocations/clusters").status_code == 200


def test_second_login_replaces_the_session(emulator: KeystoneEmulator) -> None:
    recorder = Recorder()
    client = logged_in(emulator, middleware=[recorder])
    client.login(emulator.admin_username, emulator.admin_password)
    client.http_get("allocations/clusters")
    assert emulator.stats.count(path="/authentication/new/", status=200) == 2
    assert client.is_authenticated


def test_refresh_before_expiry_keeps_the_refresh_token(emulator: KeystoneEmulator) -> None:
    client = logged_in(emulator)
    for _ in range(3):
        time.sleep(ACCESS_LIFETIME * 0.95)
        assert client.http_get("allocations/clusters").status_code == 200
    assert emulator.stats.count(method="POST", path=REFRESH) == 3
    assert emulator.stats.count(path=REFRESH, status=200) == 3
    assert emulator.stats.count(path=CLUSTERS, status=401) == 0


def test_refresh_on_401_then_replay_once(emulator: KeystoneEmulator) -> None:
    client = logged_in(emulator)
    emulator.faults.status(401, method="POST", path=CLUSTERS, times=1, body=REJECTED)
    response = client.http_post("allocations/clusters", {"name": "replayed"})
    assert response.status_code == 201
    assert response.json()["name"] == "replayed"
    assert emulator.stats.count(method="POST", path=REFRESH) == 1
    assert emulator.stats.count(method="POST", path=CLUSTERS) == 2
    assert emulator.stats.count(method="POST", path=CLUSTERS, status=201) == 1
    names = [c["name"] for c in client.http_get("allocations/clusters").json()]
    assert names.count("replayed") == 1


def test_token_expiring_between_a_retry_and_its_replay(emulator: KeystoneEmulator) -> None:
    client = logged_in(emulator)
    emulator.faults.status(503, method="POST", path=CLUSTERS, times=1, retry_after=2)
    response = client.http_post("allocations/clusters", {"name": "after-the-wait"})
    assert response.status_code == 201
    assert emulator.stats.count(method="POST", path=CLUSTERS) == 2  # the 503, then the replay
    assert emulator.stats.count(method="POST", path=CLUSTERS, status=401) == 0
    assert emulator.stats.count(method="POST", path=REFRESH) == 1  # renewed before the replay
    assert response.request is not None and response.request.context["attempts"] == 2


def test_a_second_401_is_raised(emulator: KeystoneEmulator) -> None:
    client = logged_in(emulator)
    emulator.faults.status(401, method="GET", path=CLUSTERS, times=2, body=REJECTED)
    with pytest.raises(keystone.AuthenticationError):
        client.http_get("allocations/clusters")
    assert emulator.stats.count(method="POST", path=REFRESH) == 1
    assert emulator.stats.count(method="GET", path=CLUSTERS) == 2
    assert client.is_authenticated  # the session itself is still good
    assert client.http_get("allocations/clusters").status_code == 200


def test_other_401_codes_do_not_refresh(emulator: KeystoneEmulator) -> None:
    client = logged_in(emulator)
    body = {"detail": "User not found", "code": "user_not_found"}
    emulator.faults.status(401, method="GET", path=CLUSTERS, times=1, body=body)
    with pytest.raises(keystone.AuthenticationError, match="User not found"):
        client.http_get("allocations/clusters")
    assert emulator.stats.count(method="POST", path=REFRESH) == 0


class TokenClock:
    """Middleware noting when each access token arrived and how long it had left."""

    def __init__(self) -> None:
        self.issued: list[tuple[float, float]] = []  # (monotonic receipt, seconds left)

    def __call__(self, request: Request, call_next: Handler) -> Response:
        response = call_next(request)
        if request.context.get("kind") in ("login", "refresh"):
            exp = claims_of(response.json()["access"])["exp"]
            self.issued.append((time.monotonic(), exp - time.time()))
        return response


def test_many_threads_one_refresh_per_lifetime(emulator: KeystoneEmulator) -> None:
    clock = TokenClock()
    client = logged_in(emulator, pool_maxsize=32, middleware=[clock])
    time.sleep(2 * ACCESS_LIFETIME)  # start well after login: refreshed tokens carry an old iat
    emulator.stats.reset()
    failures: list[BaseException] = []
    done = [0]
    lock = threading.Lock()
    lifetimes = 4
    stop_at = time.monotonic() + lifetimes * ACCESS_LIFETIME

    def work() -> None:
        while time.monotonic() < stop_at:
            try:
                client.http_get("allocations/clusters", timeout=30)
            except BaseException as exc:  # reported by the assertion below
                failures.append(exc)
                return
            with lock:
                done[0] += 1

    threads = [threading.Thread(target=work) for _ in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    refreshes = emulator.stats.count(method="POST", path=REFRESH)
    print(
        f"\n32 threads, {done[0]} requests, {len(failures)} failures, {refreshes} refreshes "
        f"over {lifetimes} configured lifetimes of {ACCESS_LIFETIME} s"
    )
    assert failures == []
    assert done[0] > 32
    assert emulator.stats.count(path=CLUSTERS, status=401) == 0
    assert refreshes == len(clock.issued) - 1 >= lifetimes - 1
    # SimpleJWT truncates exp to whole seconds, so a token's real lifetime varies; what must
    # hold is that each token was renewed only near its own end, never twice.
    for (received, left), (renewed, _) in zip(clock.issued, clock.issued[1:], strict=False):
        assert renewed - received >= left * 0.9 - 0.05


def test_server_restart_with_a_new_key_ends_the_session(emulator: KeystoneEmulator) -> None:
    client = logged_in(emulator)
    emulator.restart(new_secret_key=True)
    emulator.stats.reset()
    with pytest.raises(keystone.SessionExpiredError, match=r"login\(") as info:
        client.http_get("allocations/clusters")
    assert isinstance(info.value, keystone.AuthenticationError)
    assert client.is_authenticated is False
    assert emulator.stats.count(method="POST", path=REFRESH) == 1
    # The GET went out once and got 401, or (if the restart took most of the token's short
    # life) the client renewed ahead of time and never sent it; either way: no loop.
    assert emulator.stats.count(method="GET", path=CLUSTERS) <= 1
    with pytest.raises(keystone.AuthenticationError):
        client.http_get("allocations/clusters")  # no session: sent without a token
    assert emulator.stats.count(method="POST", path=REFRESH) == 1
    client.login(emulator.admin_username, emulator.admin_password)
    assert client.http_get("allocations/clusters").status_code == 200


def test_server_restart_with_the_same_key_keeps_the_session(emulator: KeystoneEmulator) -> None:
    client = logged_in(emulator)
    emulator.restart()
    assert client.http_get("allocations/clusters").status_code == 200


def test_logout_blacklists_the_refresh_token(emulator: KeystoneEmulator) -> None:
    seen: list[str] = []

    def capture(request: Request, call_next: Handler) -> Response:
        if request.context.get("kind") == "logout":
            seen.append(request.json["refresh"])
        return call_next(request)

    client = logged_in(emulator, middleware=[capture])
    client.logout()
    assert client.is_authenticated is False
    assert emulator.stats.count(method="POST", path="/authentication/blacklist/", status=200) == 1
    other = KeystoneClient(emulator.url)
    with pytest.raises(keystone.AuthenticationError, match="blacklisted"):
        other.http_post("authentication/refresh", {"refresh": seen[0]})


def test_logout_forgets_tokens_even_when_the_server_refuses(emulator: KeystoneEmulator) -> None:
    client = logged_in(emulator)
    emulator.faults.status(500, path="/authentication/blacklist/", times=2)
    client.logout()
    assert client.is_authenticated is False
    client = logged_in(emulator)
    with pytest.raises(keystone.ServerError):
        client.logout(raise_blacklist=True)
    assert client.is_authenticated is False


def test_logout_when_not_logged_in_is_a_no_op(emulator: KeystoneEmulator) -> None:
    KeystoneClient(emulator.url).logout()
    assert emulator.stats.count() == 0


def test_no_secret_in_reprs_or_messages(emulator: KeystoneEmulator) -> None:
    recorder = Recorder()
    client = logged_in(emulator, middleware=[recorder])
    time.sleep(ACCESS_LIFETIME)
    client.http_get("allocations/clusters")  # renews the access token
    try:
        client.http_get("allocations/clusters/999999")
    except keystone.NotFoundError as exc:
        texts = [str(exc), repr(exc), repr(exc.request)]
    texts += [repr(client), repr(client.auth)]
    client.logout()
    assert len(recorder.secrets) >= 4
    for secret in recorder.secrets:
        assert all(secret not in text for text in texts)
