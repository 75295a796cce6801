"""Protocol edges over a raw socket: interim 1xx answers, declared charsets, slow servers."""

from __future__ import annotations

import json
import time

import pytest
from wire_server import Reply, WireServer, http_response

import keystone
from keystone import KeystoneClient, RetryPolicy

JSON = {"Content-Type": "application/json"}
EARLY_HINTS = b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"


def test_an_interim_103_is_skipped_and_the_real_answer_returned() -> None:
    with WireServer(
        Reply(http_response("200 OK", b'{"ok": true}', JSON, interim=EARLY_HINTS))
    ) as s:
        response = KeystoneClient(s.url).http_get("version")
    assert response.status_code == 200 and response.json() == {"ok": True}


def test_a_create_answered_103_then_201_returns_the_record() -> None:
    record = b'{"id": 7, "name": "hinted"}'
    interim = EARLY_HINTS + b"HTTP/1.1 102 Processing\r\n\r\n"
    with WireServer(Reply(http_response("201 Created", record, JSON, interim=interim))) as s:
        created = KeystoneClient(s.url, server="0.3").create_cluster(name="hinted")
        assert len(s.requests) == 1  # sent once, answered once
    assert created == {"id": 7, "name": "hinted"}


def test_json_in_a_declared_charset_is_decoded_with_it() -> None:
    body = '{"name": "café"}'.encode("iso-8859-1")
    headers = {"Content-Type": "application/json; charset=iso-8859-1"}
    with WireServer(Reply(http_response("200 OK", body, headers))) as server:
        client = KeystoneClient(server.url, server="0.10.9")  # the same answer to everything
        assert client.http_get("allocations/clusters/1").json() == {"name": "café"}
        assert client.retrieve_cluster(pk=1) == {"name": "café"}


def test_an_unknown_charset_falls_back_to_detecting_utf() -> None:
    headers = {"Content-Type": "application/json; charset=x-unknown"}
    with WireServer(Reply(http_response("200 OK", b'{"a": 1}', headers))) as server:
        assert KeystoneClient(server.url).http_get("x").json() == {"a": 1}


@pytest.mark.parametrize("drip_from", ["headers", "body"])
def test_a_dripping_server_cannot_hold_a_call_past_its_deadline(drip_from: str) -> None:
    """One byte every 0.05 s keeps each read within a 0.25 s timeout; the 0.5 s deadline ends
    it."""
    data = http_response("200 OK", b'{"records": "' + b"x" * 200 + b'"}', JSON)
    prefix = 0 if drip_from == "headers" else data.index(b"\r\n\r\n") + 4
    with WireServer(Reply(data, drip=0.05, prefix=prefix)) as server:
        client = KeystoneClient(server.url, timeout=0.25, retry=RetryPolicy(deadline=0.5))
        started = time.monotonic()
        with pytest.raises(keystone.ReadTimeout) as info:
            client.http_get("allocations/clusters")
        took = time.monotonic() - started
        sent = server.bytes_sent
    assert "0.5 s deadline passed before the response was complete" in str(info.value)
    assert sent < len(data)  # the call gave up while the server was still sending
    assert took < 0.5 + 0.25 + 2  # deadline + one read timeout, with slack for a loaded machine
    assert info.value.attempts == 1


def test_a_dripped_post_past_its_deadline_is_an_unknown_outcome() -> None:
    data = http_response("201 Created", b'{"id": 1}', JSON)
    with WireServer(Reply(data, drip=0.05)) as server:
        client = KeystoneClient(
            server.url, timeout=0.25, retry=RetryPolicy(deadline=0.5), server="0.3"
        )
        with pytest.raises(keystone.OutcomeUnknownError) as info:
            client.create_cluster(name="slow")
        assert len(server.requests) == 1  # never sent twice
    assert "deadline passed" in str(info.value.__cause__)


def test_a_slow_but_timely_answer_is_not_cut() -> None:
    data = http_response("200 OK", b'{"a": 1}', JSON)
    with WireServer(Reply(data, drip=0.005)) as server:
        client = KeystoneClient(server.url, timeout=1, retry=RetryPolicy(deadline=10))
        assert client.http_get("x").json() == {"a": 1}


BIG = json.dumps([{"id": n, "name": "x" * 120} for n in range(1_500)]).encode()  # about 200 kB


@pytest.mark.parametrize("deadline", [30.0, None], ids=["with a deadline", "without one"])
@pytest.mark.parametrize(
    "answer",
    [
        b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n" + BIG,
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n" + BIG,
        http_response("200 OK", BIG, {**JSON, "Connection": "close"}),
    ],
    ids=["HTTP/1.0, body until the close", "body until the close", "Connection: close"],
)
def test_a_body_read_after_the_connection_is_given_up_arrives_whole(
    answer: bytes, deadline: float | None
) -> None:
    """``http.client`` closes such a connection as soon as the headers are in; the body is
    still read from the socket, whether or not the call has a deadline."""
    with WireServer(Reply(answer, close=True)) as server:
        client = KeystoneClient(server.url, server="0.3.26", retry=RetryPolicy(deadline=deadline))
        for _ in range(2):  # each on a new connection
            assert len(client.retrieve_cluster()) == 1_500
        assert len(server.requests) == 2  # each sent once


def test_a_create_answered_over_http_1_0_returns_its_record_once() -> None:
    record = b'{"id": 9, "name": "old-proxy"}'
    answer = b"HTTP/1.0 201 Created\r\nContent-Type: application/json\r\n\r\n" + record
    with WireServer(Reply(answer, close=True)) as server:
        created = KeystoneClient(server.url, server="0.3.26").create_cluster(name="old-proxy")
        assert len(server.requests) == 1
    assert created == {"id": 9, "name": "old-proxy"}


def test_an_answer_from_another_origin_is_read_within_the_deadline_too() -> None:
    """An absolute URL of another server (a link the caller follows) gets no credentials, but
    the same bound: its dripped answer ends at the call's deadline."""
    data = http_response("200 OK", b'{"records": "' + b"x" * 200 + b'"}', JSON)
    with WireServer(Reply(data, drip=0.05)) as server:
        client = KeystoneClient(
            "http://localhost:9/", timeout=0.25, retry=RetryPolicy(deadline=0.5)
        )
        with pytest.raises(keystone.ReadTimeout) as info:
            client.http_get(f"{server.url.rstrip('/')}/other/")
        sent = server.bytes_sent
    assert "0.5 s deadline passed before the response was complete" in str(info.value)
    assert sent < len(data)  # the call gave up while the server was still sending
