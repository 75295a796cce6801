"""Sessions against servers that misbehave or are set up otherwise than the emulator.

A small local server plays the server: one that sets its session cookie ``Secure`` while
spoken to over http, one whose error page echoes the request's cookies, one that sets a
cookie on an error answer, one whose sessions last three seconds.
"""

from __future__ import annotations

import logging
import pickle
import threading
from collections.abc import Iterator

import pytest
from local_server import Canned, LocalServer, Received

import keystone
from keystone import KeystoneClient, RetryPolicy
from keystone.auth import SessionAuth
from keystone.testing import FakeClock

SESSION = "sess-4f1c9a77e2b0d3c8-secret"
CSRF = "csrf-91be77d0aa31c45f-secret"
WHOAMI = {"id": 1, "username": "carol", "is_staff": False}


def session_cookies(*attributes: str) -> list[str]:
    extra = "".join(f"; {a}" for a in attributes)
    return [
        f"sessionid={SESSION}; HttpOnly; Path=/; SameSite=Lax{extra}",
        f"csrftoken={CSRF}; Path=/; SameSite=Lax{extra}",
    ]


@pytest.fixture
def server() -> Iterator[LocalServer]:
    local = LocalServer().start()
    yield local
    local.stop()


def client_of(server: LocalServer, clock: FakeClock | None = None) -> KeystoneClient:
    auth = SessionAuth() if clock is None else SessionAuth(clock=clock)
    return KeystoneClient(server.url, auth=auth, server="0.10.9")


@pytest.mark.parametrize("secure", ["both", "csrftoken"])
def test_a_secure_cookie_over_http_is_refused_at_login(server: LocalServer, secure: str) -> None:
    cookies = session_cookies("Secure")
    if secure == "csrftoken":  # CSRF_COOKIE_SECURE alone: every unsafe call would be refused
        cookies[0] = session_cookies()[0]
    server.route("POST", "/authentication/login/", Canned(200, WHOAMI, cookies=cookies))
    client = client_of(server)
    with pytest.raises(keystone.AuthenticationError) as info:
        client.login("carol", "pw")
    message = str(info.value)
    assert "Secure" in message and "over http" in message and "https://" in message
    assert ("'sessionid' and 'csrftoken' cookie" in message) == (secure == "both")
    assert "'csrftoken' cookie" in message
    assert SESSION not in message
    assert not client.is_authenticated  # not logged in, rather than refused on every call


def test_an_error_page_echoing_the_cookies_shows_no_session(
    server: LocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.route("POST", "/authentication/login/", Canned(200, WHOAMI, cookies=session_cookies()))

    def echo(received: Received) -> Canned:  # as a debug page or a proxy's error page does
        return Canned(500, f"<pre>Server error\nCookie: {received.headers.get('Cookie')}</pre>")

    server.route("GET", "/users/users/", echo)
    server.route("POST", "/users/users/", echo)
    client = client_of(server)
    client.login("carol", "pw")
    for call in (lambda: client.http_get("users/users"), lambda: client.create_user(username="x")):
        with (
            caplog.at_level(logging.DEBUG, logger="keystone"),
            pytest.raises(keystone.ServerError) as info,
        ):
            call()
        assert "sessionid=***" in str(info.value)
        for text in (str(info.value), caplog.text, repr(info.value)):
            assert SESSION not in text and CSRF not in text
        assert SESSION.encode() not in pickle.dumps(info.value)
    assert server.last.headers["Cookie"].startswith(f"sessionid={SESSION}")  # sent, though


def test_an_error_answer_setting_the_cookie_pickles_without_it(server: LocalServer) -> None:
    server.route(
        "POST",
        "/authentication/login/",
        Canned(429, {"detail": "Request was throttled."}, cookies=session_cookies()),
    )
    client = KeystoneClient(
        server.url, auth=SessionAuth(), server="0.10.9", retry=RetryPolicy(max_attempts=1)
    )
    with pytest.raises(keystone.KeystoneError) as info:
        client.login("carol", "pw")
    assert info.value.response is not None
    assert SESSION in info.value.response.headers["Set-Cookie"]  # the caller's own copy has it
    pickled = pickle.dumps(info.value)
    assert SESSION.encode() not in pickled and CSRF.encode() not in pickled
    restored = pickle.loads(pickled)
    assert restored.response.headers["Set-Cookie"] == "***, ***"
    assert restored.response.status_code == 429
    assert restored.response.json() == {"detail": "Request was throttled."}


def test_a_session_that_expired_raises_session_expired(server: LocalServer) -> None:
    """The cookie lasts as long as the server's session (``Max-Age``): when it passes, the
    client sends none, and the server's 401 is the end of the session."""
    server.route(
        "POST", "/authentication/login/", Canned(200, WHOAMI, cookies=session_cookies("Max-Age=3"))
    )

    def clusters(received: Received) -> Canned:
        if f"sessionid={SESSION}" in received.headers.get("Cookie", ""):
            return Canned(200, [])
        return Canned(401, {"detail": "Authentication credentials were not provided."})

    server.route("GET", "/allocations/clusters/", clusters)
    clock = FakeClock()
    client = client_of(server, clock)
    client.login("carol", "pw")
    assert client.http_get("allocations/clusters").json() == []
    clock.advance_wall(4)
    assert not client.is_authenticated
    with pytest.raises(keystone.SessionExpiredError, match=r"client\.login\("):
        client.http_get("allocations/clusters")
    assert "Cookie" not in server.last.headers
    with pytest.raises(keystone.AuthenticationError) as again:  # said once: now logged out
        client.http_get("allocations/clusters")
    assert not isinstance(again.value, keystone.SessionExpiredError)
    client.login("carol", "pw")
    assert client.http_get("allocations/clusters").json() == []


def test_every_call_under_way_when_the_cookie_expired_is_told_so(server: LocalServer) -> None:
    server.route(
        "POST", "/authentication/login/", Canned(200, WHOAMI, cookies=session_cookies("Max-Age=3"))
    )
    server.route(
        "GET",
        "/allocations/clusters/",
        Canned(401, {"detail": "Authentication credentials were not provided."}, delay=0.5),
    )
    clock = FakeClock()
    client = client_of(server, clock)
    client.login("carol", "pw")
    clock.advance_wall(4)
    errors: list[BaseException] = []

    def call() -> None:
        try:
            client.http_get("allocations/clusters")
        except keystone.KeystoneError as error:
            errors.append(error)

    threads = [threading.Thread(target=call) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(errors) == 8
    assert all(isinstance(e, keystone.SessionExpiredError) for e in errors), errors


def test_a_client_never_logged_in_is_not_told_its_session_expired(server: LocalServer) -> None:
    server.route(
        "GET",
        "/allocations/clusters/",
        Canned(401, {"detail": "Authentication credentials were not provided."}),
    )
    with pytest.raises(keystone.AuthenticationError) as info:
        client_of(server).http_get("allocations/clusters")
    assert not isinstance(info.value, keystone.SessionExpiredError)


def test_a_blank_password_message_is_shown_whole(
    server: LocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    blank = {"password": ["This field may not be blank."], "username": ["Too long."]}
    server.route("POST", "/users/users/", Canned(400, blank))
    client = client_of(server)
    with (
        caplog.at_level(logging.DEBUG, logger="keystone.wire"),
        pytest.raises(keystone.ValidationError) as info,
    ):
        client.create_user(username="x", password="")
    assert "password: This field may not be blank.; username: Too long." in str(info.value)
    answer = [r.getMessage() for r in caplog.records if "<-- 400" in r.getMessage()]
    assert '"password":["This field may not be blank."]' in answer[0]
    sent = [r.getMessage() for r in caplog.records if "--> POST" in r.getMessage()]
    assert '"password":"***"' in sent[0]  # the value the client sent stays hidden
