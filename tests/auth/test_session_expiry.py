"""SessionAuth when the server ends the session, and when it only refuses one request.

A session ended on the server (expired, logged out elsewhere, ended by an administrator) is
answered 401 (403 on servers before 0.6.4); a 403 for CSRF or permissions is not an end. A
request refused because another thread's login replaced the session goes once more.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from session_auth_support import CAROL, CLUSTERS, MEMBER, NOT_AUTHENTICATED, held, logged_in, whoami
from wire_recorder import RecordingTransport

import keystone
from keystone import Request, Response
from keystone.testing import KeystoneEmulator


@pytest.fixture(scope="module")
def server() -> Iterator[KeystoneEmulator]:
    with KeystoneEmulator(
        api="0.10.9", users=[MEMBER, CAROL], user_throttle=None, anon_throttle=None
    ) as emulator:
        yield emulator


class SignallingTransport(RecordingTransport):
    """Says when a GET, its credentials on, goes to the wire."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.sending_get = threading.Event()

    def __call__(self, request: Request) -> Response:
        if request.method == "GET":
            self.sending_get.set()
        return super().__call__(request)


def test_a_session_the_server_ended_raises_session_expired(
    emulator: KeystoneEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    client = logged_in(emulator, CAROL)
    assert emulator.end_sessions(CAROL.username) == 1
    with (
        caplog.at_level(logging.WARNING, logger="keystone.auth"),
        pytest.raises(keystone.SessionExpiredError) as info,
    ):
        client.http_post("allocations/clusters", {"name": "after-the-end"})
    message = str(info.value)
    assert "session ended on the server" in message and "client.login(" in message
    assert info.value.status_code == 401
    assert not client.is_authenticated and held(client) == {}
    assert [r.levelname for r in caplog.records] == ["WARNING"]
    assert "the session ended on the server" in caplog.records[0].getMessage()
    assert emulator.stats.count(method="POST", path=CLUSTERS) == 1  # refused, not replayed
    with pytest.raises(keystone.AuthenticationError) as again:
        client.http_get("allocations/clusters")
    assert not isinstance(again.value, keystone.SessionExpiredError)
    client.login(CAROL.username, CAROL.password)
    assert whoami(client) == CAROL.username


def test_a_403_not_authenticated_of_older_servers_also_ends_the_session(
    emulator: KeystoneEmulator,
) -> None:
    client = logged_in(emulator)
    emulator.faults.status(403, method="GET", path=CLUSTERS, body=NOT_AUTHENTICATED)
    with pytest.raises(keystone.SessionExpiredError):
        client.http_get("allocations/clusters")
    assert not client.is_authenticated


def test_a_403_for_permissions_or_csrf_is_not_a_session_end(emulator: KeystoneEmulator) -> None:
    member = logged_in(emulator, MEMBER)
    with pytest.raises(keystone.PermissionDeniedError):
        member.http_post("allocations/clusters", {"name": "not-staff"})  # staff only
    assert member.is_authenticated
    foreign = {"Origin": "http://evil.example"}
    with pytest.raises(keystone.PermissionDeniedError, match="Origin checking failed"):
        member.http_post("users/teams", {"name": "from-evil"}, headers=foreign)
    assert member.is_authenticated
    assert whoami(member) == MEMBER.username


def test_a_request_refused_because_another_thread_logged_in_goes_once_more(
    emulator: KeystoneEmulator,
) -> None:
    transport = SignallingTransport(emulator.url)
    client = logged_in(emulator, transport=transport)
    old = held(client)["sessionid"]
    emulator.faults.delay(0.5, method="GET", path=CLUSTERS)
    outcome: list[Any] = []
    reading = threading.Thread(
        target=lambda: outcome.append(client.http_get("allocations/clusters").status_code)
    )
    reading.start()  # leaves with the admin's session, waits at the server...
    assert transport.sending_get.wait(10)
    client.login(MEMBER.username, MEMBER.password)  # ...which this login of another user ends
    reading.join()
    assert outcome == [200]  # sent once more, with the session now held
    assert emulator.stats.count(method="GET", path=CLUSTERS, status=401) == 1
    assert emulator.stats.count(method="GET", path=CLUSTERS, status=200) == 1
    assert client.is_authenticated and held(client)["sessionid"] != old
