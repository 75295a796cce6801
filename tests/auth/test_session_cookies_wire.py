"""Cookie attributes end to end: a local server sets crafted cookies; the wire shows the rest.

The v0.10.9 server only ever sets two plain cookies; here Max-Age, Expires, Path, Secure and
Domain each get a cookie of their own, and the client's fake wall clock makes them expire.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from local_server import Canned, LocalServer

import keystone
from keystone import KeystoneClient
from keystone.auth import SessionAuth
from keystone.testing import FakeClock

DELETE_SESSION = 'sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/'


def crafted_cookies() -> list[str]:
    later = email.utils.formatdate(time.time() + 120, usegmt=True)
    return [
        "sessionid=s-1; Max-Age=60; Path=/; HttpOnly; SameSite=Lax",
        "csrftoken=c-1; Max-Age=3600; Path=/; SameSite=Lax",
        f"later=1; Expires={later}; Path=/",
        "gone=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/",
        "scoped=1; Path=/allocations",
        "secure=1; Path=/; Secure",
        "elsewhere=1; Domain=other.example",  # no Path: "/"; the Domain is not ours to judge
    ]


def serve(server: LocalServer) -> LocalServer:
    server.route(
        "POST", "/authentication/login/", Canned(200, {"id": 1}, cookies=crafted_cookies())
    )
    server.route("POST", "/authentication/logout/", Canned(200, b"", cookies=[DELETE_SESSION]))
    server.route("*", "/allocations/clusters/", Canned(200, {"results": []}))
    server.route("GET", "/users/users/", Canned(200, {"results": []}))
    server.route(
        "GET",
        "/allocations/forget/",
        Canned(200, {}, cookies=["scoped=; Max-Age=0; Path=/allocations"]),
    )
    return server


@pytest.fixture
def https_server(tmp_path: Path) -> Iterator[LocalServer]:
    server = LocalServer(tls_directory=tmp_path).start()
    yield serve(server)
    server.stop()


def cookies_sent(server: LocalServer) -> list[str]:
    return server.last.headers.get("Cookie", "").split("; ")


def test_each_attribute_over_http(local_server: LocalServer) -> None:
    server = serve(local_server)
    clock = FakeClock()
    client = KeystoneClient(server.url, auth=SessionAuth(), server="0.4+", clock=clock)
    client.login("someone", "secret")
    assert client.is_authenticated

    client.http_get("allocations/clusters")
    assert cookies_sent(server) == [
        "scoped=1",  # the longer path first
        "sessionid=s-1",
        "csrftoken=c-1",
        "later=1",
        "elsewhere=1",
    ]  # no "gone" (expired on arrival), no "secure" (this is http)
    client.http_get("users/users")
    assert "scoped=1" not in cookies_sent(server)
    client.http_post("allocations/clusters", {"name": "x"})
    assert server.last.headers["X-CSRFToken"] == "c-1"
    assert "Referer" not in server.last.headers  # plain http: Django checks no Referer

    client.http_get("allocations/forget")  # an answer that deletes a cookie
    client.http_get("allocations/clusters")
    assert "scoped=1" not in cookies_sent(server)

    clock.advance_wall(61)  # past the session's Max-Age
    assert not client.is_authenticated
    client.http_get("allocations/clusters")
    assert cookies_sent(server) == ["csrftoken=c-1", "later=1", "elsewhere=1"]
    clock.advance_wall(60)  # past the Expires date, two minutes after the login
    client.http_get("allocations/clusters")
    assert cookies_sent(server) == ["csrftoken=c-1", "elsewhere=1"]


def test_secure_cookies_and_the_referer_over_https(https_server: LocalServer) -> None:
    assert https_server.ca_path is not None
    client = KeystoneClient(
        https_server.url, auth=SessionAuth(), server="0.4+", verify=https_server.ca_path
    )
    client.login("someone", "secret")
    assert https_server.last.headers["Referer"] == client.url  # the login is unsafe too
    client.http_get("allocations/clusters")
    assert "secure=1" in cookies_sent(https_server)
    assert "Referer" not in https_server.last.headers
    client.http_post("allocations/clusters", {"name": "x"})
    assert https_server.last.headers["Referer"] == client.url


def test_logout_sends_the_session_and_forgets_every_cookie(local_server: LocalServer) -> None:
    server = serve(local_server)
    client = KeystoneClient(server.url, auth=SessionAuth(), server="0.4+")
    client.login("someone", "secret")
    client.logout()
    logout = server.last
    assert logout.path == "/authentication/logout/"
    assert "sessionid=s-1" in logout.headers["Cookie"]
    assert logout.headers["X-CSRFToken"] == "c-1"
    assert not client.is_authenticated
    client.http_get("allocations/clusters")
    assert "Cookie" not in server.last.headers  # csrftoken and the rest forgotten too


def test_a_login_answer_without_a_session_cookie_is_no_login(local_server: LocalServer) -> None:
    local_server.route("POST", "/authentication/login/", Canned(200, {"id": 1}))
    client = KeystoneClient(local_server.url, auth=SessionAuth(), server="0.4+")
    with pytest.raises(keystone.KeystoneError, match="without a 'sessionid' cookie"):
        client.login("someone", "secret")
    assert not client.is_authenticated
