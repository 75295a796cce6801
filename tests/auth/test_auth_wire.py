"""Which requests carry which credentials, observed on the wire of a local server."""

from __future__ import annotations

import pytest
from jwt_factory import make_token
from local_server import Canned, LocalServer

import keystone
from keystone import KeystoneClient, StaticTokenAuth


@pytest.fixture
def server(local_server: LocalServer) -> LocalServer:
    """A Keystone 0.3.26 server: JWT logins."""
    local_server.route("GET", "/version/", Canned(200, "0.3.26"))
    local_server.route(
        "POST",
        "/authentication/new/",
        lambda r: (
            Canned(200, {"access": make_token(), "refresh": make_token("refresh", lifetime=86400)})
            if r.json().get("password") == "right"
            else Canned(401, {"detail": "No active account found with the given credentials"})
        ),
    )
    local_server.route("POST", "/authentication/blacklist/", Canned(200, {}))
    local_server.route("*", "/allocations/clusters/", Canned(200, []))
    return local_server


def test_bearer_on_own_origin_not_on_authentication_endpoints(server: LocalServer) -> None:
    client = KeystoneClient(server.url)
    client.http_get("allocations/clusters")
    assert "Authorization" not in server.last.headers  # not logged in: nothing to send
    client.login("admin", "right")
    login = server.received[-1]
    assert login.path == "/authentication/new/"
    assert "Authorization" not in login.headers
    assert login.headers["Content-Type"] == "application/json"
    assert login.json() == {"username": "admin", "password": "right"}
    client.http_get("allocations/clusters")
    assert server.last.headers["Authorization"].startswith("Bearer ey")
    client.http_post("authentication/blacklist", {"refresh": "x"})
    assert "Authorization" not in server.last.headers


def test_other_origins_never_get_credentials(server: LocalServer) -> None:
    other = LocalServer().start()
    try:
        other.route("GET", "/elsewhere/", Canned(200, {}))
        client = KeystoneClient(server.url, headers={"Authorization": "Token default-header"})
        client.login("admin", "right")
        client.http_get(other.url + "elsewhere/")
        assert "Authorization" not in other.last.headers
    finally:
        other.stop()


def test_explicit_authorization_header_is_respected(server: LocalServer) -> None:
    client = KeystoneClient(server.url)
    client.login("admin", "right")
    client.http_get("allocations/clusters", headers={"Authorization": "Bearer garbage.token.value"})
    assert server.last.headers["Authorization"] == "Bearer garbage.token.value"


def test_is_authenticated_is_a_local_bool(server: LocalServer) -> None:
    client = KeystoneClient(server.url)
    assert client.is_authenticated is False
    client.login("admin", "right")
    count = len(server.received)
    assert client.is_authenticated is True
    assert len(server.received) == count  # no network call
    assert "authenticated=True" in repr(client)


def test_bad_credentials_keep_no_session(server: LocalServer) -> None:
    client = KeystoneClient(server.url)
    with pytest.raises(keystone.AuthenticationError, match="No active account found") as info:
        client.login("admin", "wrong")
    assert client.is_authenticated is False
    assert "wrong" not in str(info.value)
    assert info.value.request is not None
    assert "wrong" not in repr(info.value.request.json) and info.value.request.body is None


def test_static_token_strategy(local_server: LocalServer) -> None:
    local_server.route("GET", "/allocations/clusters/", Canned(200, []))
    auth = StaticTokenAuth("abc123")
    client = KeystoneClient(local_server.url, auth=auth, server="0.10.9")
    assert client.is_authenticated
    client.http_get("allocations/clusters")
    assert local_server.last.headers["Authorization"] == "Token abc123"
    assert "abc123" not in repr(auth) and "abc123" not in repr(client)
    with pytest.raises(TypeError, match="no login"):
        client.login("a", "b")
    with pytest.raises(ValueError, match="non-empty"):
        StaticTokenAuth("  ")


def test_unexpected_login_answer_is_reported(local_server: LocalServer) -> None:
    local_server.route("POST", "/authentication/new/", Canned(200, {"token": "x"}))
    client = KeystoneClient(local_server.url)
    with pytest.raises(keystone.KeystoneError, match="without a 'access' token"):
        client.login("a", "b")
    assert not client.is_authenticated


def test_password_is_not_kept(server: LocalServer) -> None:
    client = KeystoneClient(server.url)
    client.login("admin", "right")

    def walk(obj: object, seen: set[int]) -> bool:
        if id(obj) in seen:
            return False
        seen.add(id(obj))
        if isinstance(obj, str):
            return obj == "right"
        if isinstance(obj, bytes):
            return b"right" in obj
        if isinstance(obj, dict):
            return any(walk(k, seen) or walk(v, seen) for k, v in obj.items())
        if isinstance(obj, (list, tuple, set)):
            return any(walk(item, seen) for item in obj)
        attrs = getattr(obj, "__dict__", None)
        slots = [getattr(obj, s, None) for s in getattr(type(obj), "__slots__", ())]
        return (attrs is not None and walk(attrs, seen)) or any(walk(s, seen) for s in slots)

    assert not walk(client, set())
