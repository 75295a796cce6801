"""Sessions against the Keystone emulator, with the client's time on a fake clock.

The emulator's counters say how many refresh requests really reached the server. Its tokens
live for five minutes of real time, as on a real server; the client's clock is a
``FakeClock`` the tests move on, so a token's end comes when a test says, with no waiting.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from wire_recorder import RecordingTransport

import keystone
from keystone import Handler, KeystoneClient, Request, Response
from keystone.testing import FakeClock, KeystoneEmulator

ACCESS_LIFETIME = 300.0
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


def logged_in(emulator: KeystoneEmulator, **options: Any) -> KeystoneClient:
    options.setdefault("clock", FakeClock())
    client = KeystoneClient(emulator.url, **options)
    client.login(emulator.admin_username, emulator.admin_password)
    return client


def clock_of(client: KeystoneClient) -> FakeClock:
    clock = client.auth.clock
    assert isinstance(clock, FakeClock)
    return clock


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
    client = logged_in(emulator)
    client.login(emulator.admin_username, emulator.admin_password)
    client.http_get("allocations/clusters")
    assert emulator.stats.count(path="/authentication/new/", status=200) == 2
    assert client.is_authenticated


def test_refresh_before_expiry_keeps_the_refresh_token(emulator: KeystoneEmulator) -> None:
    client = logged_in(emulator)
    for _ in range(3):
        clock_of(client).advance(ACCESS_LIFETIME * 0.95)
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
    clock_of(client).advance(ACCESS_LIFETIME - 31)  # the token has 31 s left...
    emulator.faults.status(503, method="POST", path=CLUSTERS, times=1, retry_after=2)
    response = client.http_post("allocations/clusters", {"name": "after-the-wait"})  # ...then 29
    assert response.status_code == 201
    assert emulator.stats.count(method="POST", path=CLUSTERS) == 2  # the 503, then the replay
    assert emulator.stats.count(method="POST", path=CLUSTERS, status=401) == 0
    assert emulator.stats.count(method="POST", path=REFRESH) == 1  # renewed before the replay
    assert response.request is not None and response.request.call.attempt == 2


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


def test_many_threads_one_refresh_per_lifetime(emulator: KeystoneEmulator) -> None:
    """32 threads share one session while its token's life passes 4 times: 4 renewals."""
    recording = RecordingTransport(emulator.url, pool_maxsize=32)
    client = logged_in(emulator, transport=recording)
    clock = clock_of(client)
    emulator.stats.reset()
    failures: list[BaseException] = []
    done = [0]
    lock = threading.Lock()
    lifetimes = 4
    running = threading.Event()
    running.set()

    def work() -> None:
        while running.is_set():
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
    for _ in range(lifetimes):  # each token's life passes while every thread is sending
        time.sleep(0.2)
        clock.advance(ACCESS_LIFETIME * 0.95)
    time.sleep(0.2)
    running.clear()
    for thread in threads:
        thread.join()
    refreshes = emulator.stats.count(method="POST", path=REFRESH)
    assert failures == []
    assert done[0] > 32
    assert emulator.stats.count(path=CLUSTERS, status=401) == 0
    assert refreshes == len(recording.of_kind("refresh")) == lifetimes  # one per lifetime


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
        if request.call.kind == "logout":
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
    recording = RecordingTransport(emulator.url)
    client = logged_in(emulator, transport=recording)
    clock_of(client).advance(ACCESS_LIFETIME)
    client.http_get("allocations/clusters")  # renews the access token
    try:
        client.http_get("allocations/clusters/999999")
    except keystone.NotFoundError as exc:
        texts = [str(exc), repr(exc), repr(exc.request)]
    texts += [repr(client), repr(client.auth)]
    client.logout()
    secrets = recording.secrets()
    assert len(secrets) >= 4
    for secret in secrets:
        assert all(secret not in text for text in texts)
