"""SessionAuth against the v0.10.9 emulator: login, logout, CSRF, origins and generations.

The server is a real Django stack (sessions, CSRF middleware, DRF's authentication classes),
so a missing or stale header is refused here exactly as on a real Keystone. Plain urllib3
requests with cookies taken from the client show what the server does with them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from local_server import Canned, LocalServer
from session_auth_support import (
    CSRF_MISSING,
    MEMBER,
    NOT_AUTHENTICATED,
    held,
    logged_in,
    raw,
    session_client,
    whoami,
)

import keystone
from keystone import KeystoneClient
from keystone.auth import JWTAuth, SessionAuth
from keystone.testing import FakeClock, KeystoneEmulator


@pytest.fixture(scope="module")
def server() -> Iterator[KeystoneEmulator]:
    with KeystoneEmulator(
        api="0.10.9", users=[MEMBER], user_throttle=None, anon_throttle=None
    ) as emulator:
        yield emulator


# -- logging in ---------------------------------------------------------------------------------


def test_login_keeps_the_session_and_csrf_cookies(emulator: KeystoneEmulator) -> None:
    clock = FakeClock()
    client = session_client(emulator, clock=clock)
    assert not client.is_authenticated
    client.login(emulator.admin_username, emulator.admin_password)
    assert client.is_authenticated
    assert sorted(held(client)) == ["csrftoken", "sessionid"]
    assert whoami(client) == emulator.admin_username
    assert emulator.stats.count(method="POST", path="/authentication/login/", status=200) == 1
    clock.advance_wall(1209600 + 1)  # the session cookie's Max-Age, two weeks
    assert not client.is_authenticated


def test_a_wrong_password_is_an_authentication_error_with_the_servers_message(
    emulator: KeystoneEmulator,
) -> None:
    client = logged_in(emulator)
    with pytest.raises(keystone.AuthenticationError, match=r"Invalid username or password\."):
        client.login(emulator.admin_username, "wrong-password")
    assert not client.is_authenticated and held(client) == {}
    with pytest.raises(keystone.AuthenticationError) as info:
        whoami(client)  # never as the admin of before
    assert not isinstance(info.value, keystone.SessionExpiredError)  # no session was held
    assert info.value.response.json() == NOT_AUTHENTICATED


def test_a_missing_field_stays_a_validation_error(emulator: KeystoneEmulator) -> None:
    client = session_client(emulator)
    with pytest.raises(keystone.ValidationError) as info:
        client.login(emulator.admin_username, "")
    assert not isinstance(info.value, keystone.AuthenticationError)
    assert info.value.errors == {"password": ["This field may not be blank."]}
    assert not client.is_authenticated


def test_logging_in_again_while_holding_a_session(emulator: KeystoneEmulator) -> None:
    client = logged_in(emulator)
    first = held(client)
    client.login(emulator.admin_username, emulator.admin_password)  # needs X-CSRFToken
    again = held(client)
    assert again["csrftoken"] != first["csrftoken"]  # each login sets a new one...
    assert again["sessionid"] == first["sessionid"]  # ...but the same user keeps the session
    assert client.http_post("allocations/clusters", {"name": "after-relogin"}).status_code == 201
    client.login(MEMBER.username, MEMBER.password)  # another user: the server starts afresh
    assert held(client)["sessionid"] != first["sessionid"]
    assert whoami(client) == MEMBER.username
    stale = raw(emulator, "GET", "authentication/whoami/", first)
    assert stale.status == 401  # the admin's session is gone from the server
    assert emulator.stats.count(method="POST", path="/authentication/login/", status=200) == 3
    assert emulator.stats.count(status=403) == 0  # no login was refused for want of CSRF


# -- logging out --------------------------------------------------------------------------------


def test_logout_ends_the_session_on_the_server(emulator: KeystoneEmulator) -> None:
    client = logged_in(emulator)
    cookies = held(client)
    client.logout()
    assert not client.is_authenticated and held(client) == {}
    assert emulator.stats.count(method="POST", path="/authentication/logout/", status=200) == 1
    refused = raw(emulator, "GET", "authentication/whoami/", cookies)
    assert refused.status == 401 and refused.json() == NOT_AUTHENTICATED
    client.logout()  # not logged in: nothing is sent
    assert emulator.stats.count(path="/authentication/logout/") == 1


def test_logout_forgets_the_cookies_when_the_server_fails(
    emulator: KeystoneEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    client = logged_in(emulator)
    cookies = held(client)
    emulator.faults.status(500, method="POST", path="/authentication/logout/")
    with caplog.at_level(logging.WARNING, logger="keystone.auth"):
        client.logout()
    assert not client.is_authenticated and held(client) == {}
    assert "the server did not end the session" in caplog.text
    assert raw(emulator, "GET", "authentication/whoami/", cookies).status == 200  # still open there

    client.login(emulator.admin_username, emulator.admin_password)
    emulator.faults.status(500, method="POST", path="/authentication/logout/")
    with pytest.raises(keystone.ServerError):
        client.logout(raise_blacklist=True)
    assert held(client) == {}


def test_logout_forgets_the_cookies_when_the_server_is_down() -> None:
    with KeystoneEmulator(api="0.10.9") as lone:
        client = logged_in(lone, clock=FakeClock())  # the retries' waits take no time
        second = logged_in(lone, clock=FakeClock())
    client.logout()  # refused connections, retried, then given up: logged out here anyway
    assert not client.is_authenticated and held(client) == {}
    with pytest.raises(keystone.ConnectError):
        second.logout(raise_blacklist=True)
    assert not second.is_authenticated


# -- CSRF ---------------------------------------------------------------------------------------


def test_every_unsafe_method_carries_the_csrf_token(emulator: KeystoneEmulator) -> None:
    client = logged_in(emulator)
    created = client.http_post("allocations/clusters", {"name": "csrf-post"})
    assert created.status_code == 201
    pk = created.json()["id"]
    assert client.http_put(f"allocations/clusters/{pk}", {"name": "csrf-put"}).ok
    patched = client.http_patch(f"allocations/clusters/{pk}", {"description": "patched"})
    assert patched.json()["name"] == "csrf-put" and patched.json()["description"] == "patched"
    assert client.http_delete(f"allocations/clusters/{pk}").status_code == 204
    with pytest.raises(keystone.NotFoundError):
        client.http_get(f"allocations/clusters/{pk}")

    without = raw(emulator, "POST", "allocations/clusters/", held(client))  # cookies, no token
    assert without.status == 403 and without.json() == CSRF_MISSING
    assert emulator.stats.count(status=403) == 1  # only the raw request was refused


# -- origins, caller's credentials, generations -------------------------------------------------


def test_cookies_never_go_to_another_origin(
    emulator: KeystoneEmulator, local_server: LocalServer
) -> None:
    local_server.route("*", "/elsewhere/", Canned(200, {}, cookies=["planted=1; Path=/"]))
    client = logged_in(emulator)
    client.http_get(local_server.url + "elsewhere/")
    client.http_post(local_server.url + "elsewhere/", {"a": 1})
    for received in local_server.received:
        assert not {"cookie", "x-csrftoken", "referer"} & {k.lower() for k in received.headers}
    assert sorted(held(client)) == ["csrftoken", "sessionid"]  # nothing taken from there


def test_an_api_token_of_the_caller_is_left_alone(emulator: KeystoneEmulator) -> None:
    token = emulator.create_token(MEMBER.username)
    client = logged_in(emulator)
    mine = {"Authorization": f"Token {token}"}
    assert client.http_get("authentication/whoami", headers=mine).json()["username"] == "member"
    assert client.http_post("users/teams", {"name": "by-token"}, headers=mine).status_code == 201
    assert whoami(client) == emulator.admin_username  # the session is still the admin's


def test_session_auth_refuses_keystone_0_3(emulator: KeystoneEmulator) -> None:
    with pytest.raises(ValueError, match=r"0\.3\.x servers log in with JWTs: leave auth= out"):
        KeystoneClient("http://keystone.test", auth=SessionAuth(), server="0.3")
    found_out = KeystoneClient(emulator.url, auth=SessionAuth())
    assert found_out.server.generation is keystone.Generation.V0_4  # accepted


def test_jwt_auth_refuses_keystone_0_4(emulator: KeystoneEmulator) -> None:
    with pytest.raises(ValueError, match=r"0\.4 and later log in with sessions.*SessionAuth\(\)"):
        KeystoneClient("http://keystone.test", auth=JWTAuth(), server="0.4+")
    with pytest.raises(ValueError, match="SessionAuth"):
        _ = KeystoneClient(emulator.url, auth=JWTAuth()).server  # found out with one request


def test_one_strategy_serves_the_clients_of_one_server() -> None:
    auth = SessionAuth()
    KeystoneClient("http://keystone.test", auth=auth, server="0.4+")
    KeystoneClient("http://keystone.test/", auth=auth, server="0.4+")  # the same server
    with pytest.raises(ValueError, match="already holds the session"):
        KeystoneClient("http://other.test", auth=auth, server="0.4+")
