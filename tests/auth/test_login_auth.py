"""The default strategy logs in the way each generation does: the same code against both.

``client.login(username, password)`` finds out the server's generation first (one request,
once), then logs in with JWTs (Keystone 0.3.x) or a session with CSRF (0.4 and later).
"""

from __future__ import annotations

import copy
import pickle
from collections.abc import Iterator

import pytest

from keystone import (
    AuthenticationError,
    Generation,
    JWTAuth,
    KeystoneClient,
    LoginAuth,
    SessionAuth,
)
from keystone.testing import KeystoneEmulator

PROFILES = {"0.3.26": (Generation.V0_3, JWTAuth), "0.10.9": (Generation.V0_4, SessionAuth)}


@pytest.fixture(scope="module", params=sorted(PROFILES))
def emulator(request: pytest.FixtureRequest) -> Iterator[KeystoneEmulator]:
    with KeystoneEmulator(api=request.param) as running:
        yield running


def test_the_same_login_works_against_either_generation(emulator: KeystoneEmulator) -> None:
    generation, strategy = PROFILES[emulator.api]
    client = KeystoneClient(emulator.url)
    assert isinstance(client.auth, LoginAuth) and client.auth.active is None
    assert not client.is_authenticated
    emulator.stats.reset()
    client.login(username=emulator.admin_username, password=emulator.admin_password)
    assert client.server.generation is generation
    assert isinstance(client.auth.active, strategy)
    assert client.is_authenticated
    sent = {(e.method, e.path) for e in emulator.stats.entries()}
    if emulator.api == "0.3.26":  # reports 0.0.0, as a server from a source checkout does
        login = {("GET", "/authentication/whoami/"), ("POST", "/authentication/new/")}
    else:
        login = {("POST", "/authentication/login/")}
    assert sent == {("GET", "/version/")} | login  # which Keystone? then log in
    assert client.whoami()["username"] == emulator.admin_username
    assert client.create_cluster(name=f"login-{emulator.api}")["id"] > 0
    client.login(username=emulator.admin_username, password=emulator.admin_password)  # again
    assert client.is_authenticated
    asked = [e.path for e in emulator.stats.entries()].count("/version/")
    assert asked == 1  # found out once
    client.logout()
    assert not client.is_authenticated
    with pytest.raises(AuthenticationError, match="login"):
        client.create_cluster(name="after-logout")


def test_bad_credentials_raise_authentication_error(emulator: KeystoneEmulator) -> None:
    client = KeystoneClient(emulator.url)
    with pytest.raises(AuthenticationError) as caught:
        client.login(username=emulator.admin_username, password="not-the-password")
    assert "not-the-password" not in str(caught.value)
    assert not client.is_authenticated


def test_copies_and_pickles_carry_the_session(emulator: KeystoneEmulator) -> None:
    client = KeystoneClient(emulator.url)
    client.login(username=emulator.admin_username, password=emulator.admin_password)
    for other in (pickle.loads(pickle.dumps(client)), copy.copy(client.auth)):
        if isinstance(other, KeystoneClient):
            assert other.server == client.server
            assert other.whoami()["username"] == emulator.admin_username
        else:
            assert isinstance(other.active, type(client.auth.active))
            assert other.active is not client.auth.active
            assert other.is_authenticated
    assert emulator.admin_password not in repr(client.auth)
    assert emulator.admin_password.encode() not in pickle.dumps(client)


def test_logging_out_before_the_server_is_known_does_nothing() -> None:
    client = KeystoneClient("http://127.0.0.1:9")  # nothing listens there
    client.logout()  # no request: there is no session to end
    assert not client.is_authenticated
    with pytest.raises(RuntimeError, match="use_server"):
        next(LoginAuth().login_flow("user", "pw"))
