"""Stale pooled keep-alive connections: resent without counting only when nothing was written.

urllib3 notices most closed connections before reusing them. The race it cannot see (the
server's close arrives between that check and the write) is reproduced by turning the check
off: ``is_connection_dropped`` then reports every pooled connection alive.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest
import urllib3.connectionpool
from backoff_client import Chain
from raw_server import ClosingServer

from keystone import ConnectionDroppedError, OutcomeUnknownError

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


@pytest.fixture
def race(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(urllib3.connectionpool, "is_connection_dropped", lambda conn: False)


@pytest.fixture
def reset_server() -> Iterator[ClosingServer]:
    server = ClosingServer(reset=True)
    yield server
    server.close()


@pytest.fixture
def fin_server() -> Iterator[ClosingServer]:
    server = ClosingServer(reset=False)
    yield server
    server.close()


def _idle_connection_closed(server: ClosingServer) -> None:
    """Let the server close the now idle connection (and its FIN or RST reach the client)."""
    server.wait_closed(1)
    time.sleep(0.02)


def _two_calls(server: ClosingServer, method: str) -> tuple[Chain, int]:
    chain = Chain(server.url)
    body = None if method in ("GET", "DELETE") else {"name": "x"}
    assert chain.send(method, "records", body).status_code == 200
    _idle_connection_closed(server)
    assert chain.send(method, "records", body).status_code == 200
    return chain, len(server.requests)


@pytest.mark.parametrize("method", METHODS)
def test_a_connection_closed_while_idle_is_replaced_before_sending(
    method: str, fin_server: ClosingServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="keystone.backoff")
    _, requests = _two_calls(fin_server, method)
    assert requests == 2 and fin_server.connections == 2
    assert not [r for r in caplog.records if r.name == "keystone.backoff"]  # not an attempt


@pytest.mark.parametrize("method", METHODS)
def test_a_reset_met_on_the_first_write_is_resent_without_counting(
    method: str, race: None, reset_server: ClosingServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="keystone.backoff")
    _, requests = _two_calls(reset_server, method)
    assert requests == 2  # the refused write never reached the server
    assert reset_server.connections == 2
    assert not [r for r in caplog.records if r.name == "keystone.backoff"]


def test_bytes_written_to_a_closed_connection_are_not_resent_for_post(
    race: None, fin_server: ClosingServer
) -> None:
    """The honest limit: once the kernel took the bytes, nobody can tell if they were read."""
    chain = Chain(fin_server.url)
    assert chain.send("POST", "records", {"n": 1}).status_code == 200
    _idle_connection_closed(fin_server)
    with pytest.raises(OutcomeUnknownError) as info:
        chain.send("POST", "records", {"n": 2})
    assert isinstance(info.value, ConnectionDroppedError)
    assert len(fin_server.requests) == 1


def test_bytes_written_to_a_closed_connection_are_a_counted_retry_for_get(
    race: None, fin_server: ClosingServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="keystone.backoff")
    chain = Chain(fin_server.url)
    assert chain.send("GET", "records").status_code == 200
    _idle_connection_closed(fin_server)
    assert chain.send("GET", "records").status_code == 200
    retries = [r.getMessage() for r in caplog.records if r.name == "keystone.backoff"]
    assert len(retries) == 1 and "ConnectionDroppedError" in retries[0]
    assert len(fin_server.requests) == 2


def test_a_fresh_connection_refusing_the_first_byte_is_a_connect_error() -> None:
    from urllib3.exceptions import ProtocolError

    from keystone import ConnectError, Request
    from keystone._transport.connections import NothingSentError
    from keystone._transport.errors import translate_error

    request = Request("POST", "http://127.0.0.1:9/records/")
    cause = NothingSentError(ConnectionResetError(104, "Connection reset by peer"), reused=False)
    error = translate_error(ProtocolError("Connection aborted.", cause), request)
    assert isinstance(error, ConnectError) and error.request_sent is False
    assert "POST http://127.0.0.1:9/records/" in str(error) and "nothing was sent" in str(error)
