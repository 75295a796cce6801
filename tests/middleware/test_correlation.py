"""The client's correlation id, observed on the wire with the local test server."""

from __future__ import annotations

import base64
import json
import logging
import time
import uuid

from local_server import Canned, LocalServer
from middleware_helpers import captured_logs, documented_client

from keystone import CallState, Headers
from keystone._correlation import CID_HEADER, ensure_cid, new_request_id
from keystone._log_fields import request_id_of


def _token(kind: str) -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    now = int(time.time())
    claims = {"token_type": kind, "exp": now + 300, "iat": now, "jti": uuid.uuid4().hex}
    return f"{part({'alg': 'HS256'})}.{part(claims)}.c2ln"


def _serve_keystone(server: LocalServer) -> None:
    server.route(
        "POST",
        "/authentication/new/",
        lambda _: Canned(200, {"access": _token("access"), "refresh": _token("refresh")}),
    )
    server.route("POST", "/authentication/blacklist/", Canned(200, {}))
    server.route("GET", "/allocations/clusters/", Canned(200, []))
    server.route("POST", "/allocations/clusters/", Canned(201, {"id": 1}))
    server.route("DELETE", "/allocations/clusters/1/", Canned(204))


def _session(url: str) -> str:
    client = documented_client(url)
    client.login("someone", "secret")
    client.http_get("allocations/clusters")
    client.http_post("allocations/clusters", {"name": "c"})
    client.http_delete("allocations/clusters/1")
    client.logout()
    return str(client.cid)


def _header(headers: dict[str, str]) -> list[str]:
    return [v for k, v in headers.items() if k.lower() == CID_HEADER.lower()]


def test_cid_is_the_same_on_every_request_of_a_client_and_differs_between_clients(
    local_server: LocalServer,
) -> None:
    _serve_keystone(local_server)
    first = _session(local_server.url)
    sent_first = [_header(r.headers) for r in local_server.received]
    local_server.received.clear()
    second = _session(local_server.url)
    sent_second = [_header(r.headers) for r in local_server.received]

    assert len(sent_first) == len(sent_second) == 5  # login, GET, POST, DELETE, logout
    assert sent_first == [[first]] * 5  # exactly one header per request, always the same
    assert sent_second == [[second]] * 5
    assert first != second
    assert uuid.UUID(first).version == 4 and uuid.UUID(second).version == 4


def test_a_cid_given_by_the_caller_is_kept_and_sent_once(local_server: LocalServer) -> None:
    _serve_keystone(local_server)
    client = documented_client(local_server.url, headers={"x-keystone-cid": "nightly-job-42"})
    client.http_get("allocations/clusters")
    assert client.cid == "nightly-job-42"
    assert _header(local_server.last.headers) == ["nightly-job-42"]


def test_log_records_carry_the_cid_and_one_request_id_per_call(local_server: LocalServer) -> None:
    _serve_keystone(local_server)
    client = documented_client(local_server.url)
    with captured_logs(logging.DEBUG) as logs:
        client.http_get("allocations/clusters")
        client.http_get("allocations/clusters")
    assert {r.cid for r in logs.records} == {client.cid}
    ids = [r.request_id for r in logs.records]
    assert len(set(ids)) == 2 and ids[0] == ids[1] == ids[2]  # -->, <--, call line


def test_helpers() -> None:
    headers = Headers([("Accept", "*/*"), ("X-Keystone-Cid", ""), ("x-keystone-cid", "given")])
    assert ensure_cid(headers) == "given"
    assert headers == {"Accept": "*/*", CID_HEADER: "given"}
    fresh = Headers()
    assert uuid.UUID(ensure_cid(fresh)).version == 4 and list(fresh) == [CID_HEADER]
    call = CallState()
    assert request_id_of(call) == request_id_of(call) == call.request_id
    assert len(new_request_id()) == 16 and new_request_id() != new_request_id()
