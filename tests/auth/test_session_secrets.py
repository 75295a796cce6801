"""No cookie value or password in any log record, repr, message or pickled error of SessionAuth.

Every secret that crossed the wire is collected from a recording transport (the session and
CSRF cookies of several logins, the passwords sent), then looked for everywhere the client
writes: all of ``keystone.*`` at DEBUG (wire log included), reprs, messages, pickled errors.
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import Iterator

import pytest
from wire_recorder import RecordingTransport

import keystone
from keystone import KeystoneClient
from keystone.auth import SessionAuth
from keystone.auth._cookies import parse_set_cookie, set_cookie_lines
from keystone.testing import KeystoneEmulator, UserSpec

DAVE = UserSpec("dave", "Dave-pw-5511-secret")
WRONG_PASSWORD = "Wrong-pw-9876-secret"


@pytest.fixture(scope="module")
def emulator() -> Iterator[KeystoneEmulator]:
    with KeystoneEmulator(
        api="0.10.9", users=[DAVE], user_throttle=None, anon_throttle=None
    ) as server:
        yield server


def wire_secrets(transport: RecordingTransport) -> set[str]:
    """Every cookie value the server set or the client sent, and every CSRF header."""
    found: set[str] = set()
    for request, _, response in transport.exchanges:
        for line in set_cookie_lines(response.headers):
            cookie = parse_set_cookie(line, 0.0)
            if cookie is not None and cookie.value not in ("", '""'):
                found.add(cookie.value)
        for pair in request.headers.get("Cookie", "").split("; "):
            if "=" in pair:
                found.add(pair.split("=", 1)[1])
        if "X-CSRFToken" in request.headers:
            found.add(request.headers["X-CSRFToken"])
    return found


def test_no_secret_anywhere(emulator: KeystoneEmulator, caplog: pytest.LogCaptureFixture) -> None:
    transport = RecordingTransport(emulator.url)
    client = KeystoneClient(emulator.url, auth=SessionAuth(), server="0.4+", transport=transport)
    errors: list[keystone.KeystoneError] = []
    with caplog.at_level(logging.DEBUG, logger="keystone"):
        client.login(DAVE.username, DAVE.password)
        client.http_get("authentication/whoami")
        client.login(DAVE.username, DAVE.password)  # a second csrftoken
        try:
            client.http_post(
                "users/teams", {"name": "t"}, headers={"Origin": "http://evil.example"}
            )
        except keystone.PermissionDeniedError as exc:
            errors.append(exc)
        emulator.end_sessions(DAVE.username)
        try:
            client.http_post("users/teams", {"name": "t2"})
        except keystone.SessionExpiredError as exc:
            errors.append(exc)
        try:
            client.login(DAVE.username, WRONG_PASSWORD)
        except keystone.AuthenticationError as exc:
            errors.append(exc)
        client.login(DAVE.username, DAVE.password)
        jar = client.auth._jar  # type: ignore[attr-defined]
        shown = [repr(client), repr(client.auth), repr(jar), repr(jar.cookies())]
        emulator.faults.status(500, method="POST", path="/authentication/logout/")
        client.logout()  # refused: logged at WARNING, with the error's message

    secrets = wire_secrets(transport) | {DAVE.password, WRONG_PASSWORD}
    assert len(secrets) >= 2 + 2 + 3  # two passwords, two sessions, three CSRF tokens
    assert [type(e).__name__ for e in errors] == [
        "PermissionDeniedError",
        "SessionExpiredError",
        "AuthenticationError",
    ]
    for error in errors:
        shown += [str(error), repr(error), repr(error.request), repr(vars(error))]
    records = [repr(vars(record)) + record.getMessage() for record in caplog.records]
    pickled = [pickle.dumps(error) for error in errors]
    for secret in secrets:
        assert all(secret not in text for text in shown + records), secret
        assert all(secret.encode() not in blob for blob in pickled), secret
    for login, _, _ in transport.of_kind("login"):  # finished: the password wiped from it
        assert login.json["password"] == "***" and login.body is None
    assert DAVE.password.encode() not in pickle.dumps(client)  # the session travels, not that
    wire = caplog.text
    assert "Cookie: ***" in wire and "X-CSRFToken: ***" in wire and "Set-Cookie: ***" in wire
    assert "the session ended on the server" in wire
    assert "the server did not end the session" in wire
