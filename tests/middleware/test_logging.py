"""The call log (INFO), the wire log (DEBUG) and what they must never contain."""

from __future__ import annotations

import logging

import pytest
from middleware_helpers import PASSWORD, USERNAME, captured_logs, documented_client
from wire_recorder import RecordingTransport

import keystone
from keystone import Request, Response
from keystone._chain.call_log import LoggingMiddleware
from keystone._chain.wire_log import WireLogMiddleware
from keystone._pipeline import compose
from keystone.testing import FakeClock, KeystoneEmulator, UserSpec

CLUSTERS = "/allocations/clusters/"
REJECTED = {"detail": "Given token not valid for any token type", "code": "token_not_valid"}
FIELDS = ("method", "url", "status_code", "elapsed_ms", "attempt", "cid", "request_id", "kind")


def test_one_info_line_per_completed_call(emulator: KeystoneEmulator) -> None:
    client = documented_client(emulator.url)
    with captured_logs(logging.INFO) as logs:
        client.login(USERNAME, PASSWORD)
        client.http_get("allocations/clusters", params={"name": "x"})
        client.http_get("version")
        with pytest.raises(keystone.NotFoundError):
            client.http_get("allocations/clusters/999999")
        client.logout()
    calls = logs.named("keystone.http")
    messages = [r.getMessage() for r in calls]
    assert len(calls) == 5, messages
    assert messages[0].startswith("POST /authentication/new/ -> 200 OK (")
    assert messages[0].endswith(" ms, 1 attempt) [login]")
    assert messages[1].startswith("GET /allocations/clusters/?name=x -> 200 OK (")
    assert messages[2].startswith("GET /version/ -> 200 OK (")
    assert messages[3].startswith("GET /allocations/clusters/999999/ -> 404 Not Found (")
    assert messages[4].endswith("[logout]")
    for record in calls:
        assert record.levelno == logging.INFO
        for name in FIELDS:
            assert hasattr(record, name), name
        assert record.url.startswith(emulator.url)
        assert record.cid == client.cid
        assert isinstance(record.elapsed_ms, float) and record.elapsed_ms >= 0
    assert [r.status_code for r in calls] == [200, 200, 200, 404, 200]
    assert [r.attempt for r in calls] == [1, 1, 1, 1, 1]
    assert [r.kind for r in calls] == ["login", "api", "api", "api", "logout"]
    assert calls[3].error == "NotFoundError" and calls[2].error is None
    assert len({r.request_id for r in calls}) == 5
    assert not logs.named("keystone.wire")  # DEBUG is off


def test_info_line_of_a_retried_call_counts_its_attempts(emulator: KeystoneEmulator) -> None:
    client = documented_client(emulator.url)
    client.login(USERNAME, PASSWORD)
    emulator.faults.status(503, method="GET", path=CLUSTERS, times=2)
    with captured_logs(logging.DEBUG) as logs:
        client.http_get("allocations/clusters")
    retries = logs.named("keystone.backoff")
    assert len(retries) == 2 and all(r.levelno == logging.WARNING for r in retries)
    [call] = logs.named("keystone.http")
    assert call.getMessage().endswith(" ms, 3 attempts)")
    assert call.attempt == 3 and call.status_code == 200
    sends = [r for r in logs.named("keystone.wire") if r.getMessage().startswith("-->")]
    assert [(r.attempt, r.send) for r in sends] == [(1, 1), (2, 2), (3, 3)]
    assert len({r.request_id for r in logs.records if hasattr(r, "request_id")}) == 1


def test_failed_call_without_an_answer_is_logged_with_the_error_class() -> None:
    client = documented_client("http://127.0.0.1:9")  # discard port: connection refused
    with captured_logs(logging.INFO) as logs, pytest.raises(keystone.ConnectError):
        client.http_get("allocations/clusters", timeout=2)
    [record] = logs.named("keystone.http")
    assert record.status_code is None and record.error == "ConnectError"
    assert record.attempt == 3
    assert " -> ConnectError (" in record.getMessage()


def test_disabled_loggers_cost_a_level_check_only(emulator: KeystoneEmulator) -> None:
    seen: list[Request] = []

    def spy(request: Request, call_next: keystone.Handler) -> Response:
        seen.append(request)
        return call_next(request)

    client = documented_client(emulator.url, middleware=[spy])
    with captured_logs(logging.WARNING) as logs:
        client.http_get("version")
    assert logs.records == []
    # Nothing was prepared for records that no handler would get: no request id was made.
    assert "request_id" not in seen[0].context and "wire_sends" not in seen[0].context


def test_wire_log_shows_each_send_with_headers_and_redacted_bodies(
    emulator: KeystoneEmulator,
) -> None:
    client = documented_client(emulator.url)
    client.login(USERNAME, PASSWORD)
    emulator.faults.status(401, method="POST", path=CLUSTERS, times=1, body=REJECTED)
    with captured_logs(logging.DEBUG) as logs:
        client.http_post("allocations/clusters", {"name": "wire-logged", "description": "d"})
    wire = logs.named("keystone.wire")
    outgoing = [r for r in wire if r.getMessage().startswith("-->")]
    assert [(r.method, r.kind, r.send) for r in outgoing] == [
        ("POST", "api", 1),  # refused with 401
        ("POST", "refresh", 1),
        ("POST", "api", 2),  # the replay
    ]
    first = outgoing[0]
    assert first.headers["Authorization"] == "Bearer ***"
    assert first.headers["X-KEYSTONE-CID"] == client.cid
    assert first.body == '{"name":"wire-logged","description":"d"}'
    assert '"refresh":"***"' in outgoing[1].body
    answers = [r for r in wire if r.getMessage().startswith("<--")]
    assert [r.status_code for r in answers] == [401, 200, 201]
    assert answers[1].body == '{"access":"***"}'
    assert "Content-Type: application/json" in answers[2].getMessage()
    assert len({r.request_id for r in wire}) == 2  # the API call and the refresh


def test_custom_loggers_and_redacted_fields() -> None:
    sent: list[Request] = []

    def transport(request: Request) -> Response:
        sent.append(request)
        return Response(200, content=b'{"ssh_key": "AAAA-key", "ok": true}', url=request.url)

    redactor = keystone.Redactor(fields={"ssh_key"})
    handler = compose(
        [
            LoggingMiddleware("jobs.keystone.calls", redactor=redactor),
            WireLogMiddleware("jobs.keystone.wire", redactor=redactor, max_body=20),
        ],
        transport,
    )
    request = Request("POST", "https://h/x/", body=b'{"ssh_key":"AAAA-key"}')
    with captured_logs(logging.DEBUG, name="jobs") as logs:
        handler(request)
    assert "AAAA-key" not in logs.text
    assert [r.name for r in logs.records] == ["jobs.keystone.wire"] * 2 + ["jobs.keystone.calls"]
    assert logs.records[1].body.endswith("bytes in all)")
    assert repr(LoggingMiddleware()) == "<LoggingMiddleware logger='keystone.http'>"


def test_debug_logs_through_a_whole_session_contain_no_secret(
    keystone_emulator_factory: keystone.testing.pytest_plugin.EmulatorFactory,
) -> None:
    lifetime = 300.0
    server = keystone_emulator_factory(
        api="0.3.26",
        users=(UserSpec(USERNAME, PASSWORD, is_staff=True),),
        access_token_lifetime=lifetime,
        user_throttle=None,
        anon_throttle=None,
    )
    recording = RecordingTransport(server.url)
    clock = FakeClock()
    client = documented_client(server.url, transport=recording, clock=clock)
    new_password = "Pw-second-user-also-secret-7d1"
    with captured_logs(logging.DEBUG) as logs:
        client.login(USERNAME, PASSWORD)
        client.http_get("allocations/clusters")
        server.faults.status(401, method="GET", path=CLUSTERS, times=1, body=REJECTED)
        client.http_get("allocations/clusters")  # refresh on 401
        clock.advance(lifetime * 0.95)
        client.http_get("allocations/clusters")  # refresh before expiry
        client.http_post(
            "users/users", {"username": "mw-second", "password": new_password, "is_staff": False}
        )
        server.faults.status(503, method="GET", path=CLUSTERS, times=1)
        server.faults.drop_before_processing(method="GET", path=CLUSTERS, times=1)
        client.http_get("allocations/clusters")  # two failed attempts, then success
        with pytest.raises(keystone.ValidationError):
            client.http_post("users/users", {"username": "", "password": new_password})
        with pytest.raises(keystone.AuthenticationError):
            client.login(USERNAME, PASSWORD + "-wrong")
        client.login(USERNAME, PASSWORD)
        client.logout()
        client.login(USERNAME, PASSWORD)
        server.faults.status(401, method="GET", path=CLUSTERS, times=1, body=REJECTED)
        server.faults.status(401, path="/authentication/refresh/", times=1, body=REJECTED)
        with pytest.raises(keystone.SessionExpiredError):  # a refused refresh ends the session
            client.http_get("allocations/clusters")

    assert server.stats.count(path="/authentication/refresh/", status=200) >= 2
    sent = recording.secrets()
    secrets = sent | {PASSWORD, PASSWORD + "-wrong", new_password}
    assert len(sent) >= 5  # password, access x3+, refresh
    leaked = sorted(s for s in secrets if s in logs.text)
    assert leaked == []
    # ...and the logs were not empty: every layer spoke, with the secrets' places redacted.
    names = {r.name for r in logs.records}
    assert {"keystone.http", "keystone.wire", "keystone.backoff", "keystone.auth"} <= names
    assert "Bearer ***" in logs.text and '"password":"***"' in logs.text
    assert '"access":"***"' in logs.text and '"refresh":"***"' in logs.text
