"""Bad input is refused before any request, with a ValueError or TypeError naming the value."""

from __future__ import annotations

import copy
import logging
import math
import pickle
from typing import Any

import pytest
from local_server import Canned, LocalServer

import keystone
from keystone import (
    HookMiddleware,
    JWTAuth,
    KeystoneClient,
    MetricsMiddleware,
    Redactor,
    RetryPolicy,
    StaticTokenAuth,
)
from keystone._chain.call_log import LoggingMiddleware


@pytest.fixture
def client(local_server: LocalServer) -> KeystoneClient:
    local_server.route("*", "/x/", Canned(200, {}))
    return KeystoneClient(local_server.url)


@pytest.mark.parametrize(
    ("call", "error", "fragment"),
    [
        (lambda c: c.request("", "x"), ValueError, "not an HTTP method"),
        (lambda c: c.request("GE T", "x"), ValueError, "not an HTTP method"),
        (lambda c: c.request(5, "x"), ValueError, "not an HTTP method"),
        (lambda c: c.http_get("x", params=[("a", "b")]), TypeError, "mapping"),
        (lambda c: c.http_get("x", params="a=b"), TypeError, "mapping"),
        (lambda c: c.http_get("x", params={"name": b"\xff"}), ValueError, "not UTF-8"),
        (lambda c: c.http_get("x", params={"name": ""}), ValueError, "match every record"),
        (lambda c: c.http_get("x", params={"id__in": [""]}), ValueError, "match every record"),
        (lambda c: c.retrieve_cluster(filters={"name": " "}), ValueError, "every record"),
        (lambda c: c.http_get("x", headers={"Content-Length": "2"}), ValueError, "smuggling"),
        (lambda c: c.http_get("x", headers={"Transfer-Encoding": "x"}), ValueError, "smuggling"),
        (lambda c: c.http_get("x", headers={"X-A": "a\x01b"}), ValueError, "control character"),
        (lambda c: c.http_get("x", headers={"X-A": "a\x7fb"}), ValueError, "control character"),
        (lambda c: c.request("GET", "x", context=["kind"]), TypeError, "context"),
        (lambda c: c.request("GET", "x", idempotent="yes"), TypeError, "idempotent"),
        (lambda c: c.batch(str, [1], workers="8"), ValueError, "workers='8'"),
        (lambda c: c.batch(str, [1], deadline="5"), ValueError, "deadline='5'"),
        (lambda c: c.batch(str, [1], deadline=math.inf), ValueError, "deadline=inf"),
        (lambda c: c.http_get("x", timeout=1e10), ValueError, "at most 1e7"),
        (lambda c: c.create_cluster(["a"]), TypeError, "mapping of field values, not list"),
        (lambda c: c.create_cluster({"name": "a"}, name="b"), TypeError, "name given both"),
    ],
)
def test_bad_call_arguments_are_refused_before_sending(
    client: KeystoneClient, local_server: LocalServer, call: Any, error: type, fragment: str
) -> None:
    with pytest.raises(error, match=fragment):
        call(client)
    assert local_server.received == []


@pytest.mark.parametrize(
    ("make", "error", "fragment"),
    [
        (lambda url: KeystoneClient(url, auth="my-token"), TypeError, "StaticTokenAuth"),
        (lambda url: KeystoneClient(url, headers="X-A: b"), TypeError, "mapping"),
        (lambda url: KeystoneClient(url, middleware=MetricsMiddleware()), TypeError, "list"),
        (lambda url: KeystoneClient(url, redact_fields="ssh_key"), TypeError, "collection"),
        (lambda url: KeystoneClient(url, redact_fields=[1]), TypeError, "collection"),
        (lambda url: KeystoneClient(url, timeout=1e10), ValueError, "at most 1e7"),
        (lambda url: KeystoneClient(url, pool_maxsize=True), ValueError, "pool_maxsize"),
        (lambda url: Redactor(fields=[1]), TypeError, "strings"),
        (lambda url: LoggingMiddleware(level="INFO"), TypeError, "logging level"),
        (lambda url: StaticTokenAuth("a\nb"), ValueError, "copied whole"),
        (lambda url: RetryPolicy(deadline=1e10), ValueError, "at most 1e"),
        (lambda url: RetryPolicy(backoff_cap=1e12), ValueError, "at most 1e"),
    ],
)
def test_bad_construction_is_refused(
    local_server: LocalServer, make: Any, error: type, fragment: str
) -> None:
    with pytest.raises(error, match=fragment):
        make(local_server.url)


def test_a_bad_timeout_on_login_or_logout_changes_nothing(local_server: LocalServer) -> None:
    tokens = {"access": "a.b.c", "refresh": "d.e.f"}
    local_server.route("POST", "/authentication/new/", Canned(200, tokens))
    client = KeystoneClient(local_server.url, server="0.3")
    client.login("user", "pw")
    with pytest.raises(ValueError, match="timeout"):
        client.logout(timeout=math.nan)
    with pytest.raises(ValueError, match="timeout"):
        client.login("other", "pw", timeout=math.nan)
    assert client.is_authenticated  # neither call got as far as ending the session
    assert [r.path for r in local_server.received] == ["/authentication/new/"]


def test_a_context_given_to_a_call_is_copied_not_changed(client: KeystoneClient) -> None:
    context = {"job": "nightly"}
    client.request("GET", "x", context=context, retry=RetryPolicy(deadline=1))
    client.request("GET", "x", context=context, retry=RetryPolicy(deadline=None))
    assert context == {"job": "nightly"}


def test_every_credential_header_stays_on_its_origin(local_server: LocalServer) -> None:
    other = LocalServer().start()
    try:
        other.route("GET", "/elsewhere/", Canned(200, {}))
        secrets = {"X-API-Key": "k1", "Cookie": "sessionid=s1", "X-Auth-Token": "t1"}
        client = KeystoneClient(local_server.url, headers=secrets)
        client.http_get(other.url + "elsewhere/", headers={"Proxy-Authorization": "Basic p1"})
        sent = {name.lower() for name, _ in other.last.header_lines}
        assert sent.isdisjoint({"x-api-key", "cookie", "x-auth-token", "proxy-authorization"})
    finally:
        other.stop()


def test_a_url_password_in_an_endpoint_never_shows(client: KeystoneClient) -> None:
    with pytest.raises(ValueError) as info:
        client.http_get("http://bob:hunter2@127.0.0.1:99999/x")
    assert "hunter2" not in str(info.value) and info.value.__cause__ is None


def test_a_session_strategy_serves_one_server(local_server: LocalServer) -> None:
    auth = JWTAuth()
    KeystoneClient(local_server.url, auth=auth)
    KeystoneClient(local_server.url, auth=auth)  # another client of the same server may share
    with pytest.raises(ValueError, match="already holds the session"):
        KeystoneClient("http://elsewhere.example.org", auth=auth)


def test_a_copied_or_pickled_client_has_its_own_strategy(local_server: LocalServer) -> None:
    client = KeystoneClient(local_server.url, middleware=[MetricsMiddleware()])
    for clone in (copy.copy(client), pickle.loads(pickle.dumps(client))):
        assert clone.auth is not client.auth and clone.url == client.url


def test_a_failing_on_error_hook_never_hides_the_error(
    client: KeystoneClient, local_server: LocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    class Broken(HookMiddleware):
        def on_error(self, request: Any, error: BaseException) -> None:
            raise RuntimeError("observer bug")

    local_server.route("GET", "/missing/", Canned(404, {"detail": "Not found."}))
    broken = KeystoneClient(local_server.url, middleware=[Broken()])
    with (
        caplog.at_level(logging.ERROR, logger="keystone.middleware"),
        pytest.raises(keystone.NotFoundError),
    ):
        broken.http_get("missing")
    assert "Broken.on_error raised while handling NotFoundError" in caplog.text


def test_redact_fields_hide_values_in_retry_logs_and_messages(
    local_server: LocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    local_server.route("GET", "/flaky/", Canned(503, {"detail": "down"}))
    client = KeystoneClient(
        local_server.url,
        redact_fields=(name for name in ["otp"]),  # a generator: read once, used everywhere
        retry=RetryPolicy(max_attempts=2, backoff_base=0.01, backoff_cap=0.01),
    )
    with (
        caplog.at_level(logging.DEBUG, logger="keystone"),
        pytest.raises(keystone.ServerError) as info,
    ):
        client.http_get("flaky", params={"otp": "918273"})
    assert "918273" not in caplog.text and "otp=***" in caplog.text
    assert "918273" not in str(info.value)


def test_nothing_is_sent_once_the_deadline_has_passed(local_server: LocalServer) -> None:
    local_server.route("POST", "/x/", Canned(201, {"id": 1}))

    def slow(request: Any, call_next: Any) -> Any:
        import time

        time.sleep(1.2)
        return call_next(request)

    client = KeystoneClient(
        local_server.url, middleware=[keystone.per_attempt(slow)], retry=RetryPolicy(deadline=1)
    )
    with pytest.raises(keystone.DeadlineExceededError, match="nothing was sent") as info:
        client.http_post("x", {"name": "late"})
    assert info.value.request_sent is False
    assert local_server.received == []


def test_the_documented_import_path_refuses_another_keystone(tmp_path: Any) -> None:
    import subprocess
    import sys

    fake = tmp_path / "keystone"
    fake.mkdir()
    (fake / "__init__.py").write_text("VERSION = 'someone else'\n")
    code = "import keystone_client"
    env = {"PYTHONPATH": str(tmp_path), "PATH": ""}
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        cwd=tmp_path,  # not the repository, whose own keystone/ would come first
    )
    assert done.returncode != 0
    assert "is not keystone-api-client's" in done.stderr and "OpenStack" in done.stderr
