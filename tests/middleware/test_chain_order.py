"""User middleware: what it sees, where it sits, and the per-attempt placement.

Against the emulator, whose counters say how many requests really reached the server.
"""

from __future__ import annotations

from typing import Any
from unittest.mock import ANY

import pytest
from middleware_helpers import (
    BUILT_IN,
    PASSWORD,
    USERNAME,
    CallRecorder,
    HookRecorder,
    documented_client,
)

import keystone
from keystone import Handler, HookMiddleware, Request, Response
from keystone._chain.placement import PerAttempt, split_placement
from keystone.middleware import per_attempt
from keystone.testing import KeystoneEmulator

CLUSTERS = "/allocations/clusters/"
REJECTED = {"detail": "Given token not valid for any token type", "code": "token_not_valid"}


def test_function_and_hooks_middleware_each_see_every_call(emulator: KeystoneEmulator) -> None:
    calls, hooks = CallRecorder(), HookRecorder()
    client = documented_client(emulator.url, middleware=[calls, hooks])
    client.login(USERNAME, PASSWORD)
    client.http_get("allocations/clusters")
    emulator.faults.status(401, method="GET", path=CLUSTERS, times=1, body=REJECTED)
    client.http_get("allocations/clusters")  # 401: refresh, then replay
    with pytest.raises(keystone.NotFoundError):
        client.http_get("allocations/clusters/999999")
    client.logout()

    assert calls.seen == [
        ("login", "POST", "authentication/new/"),
        ("api", "GET", "allocations/clusters"),
        ("api", "GET", "allocations/clusters"),  # the 401, its renewal and replay: one call
        ("api", "GET", "allocations/clusters/999999"),
        ("logout", "POST", "authentication/blacklist/"),
    ]
    assert hooks.events == [
        ("request", "login", "POST", None),
        ("response", "login", "POST", 200),
        ("request", "api", "GET", None),
        ("response", "api", "GET", 200),
        ("request", "api", "GET", None),
        ("response", "api", "GET", 200),
        ("request", "api", "GET", None),
        ("error", "api", "GET", "NotFoundError"),
        ("request", "logout", "POST", None),
        ("response", "logout", "POST", 200),
    ]
    # The renewal and the replay after the 401 went to the server (the auth layer makes them,
    # below every middleware: the wire log shows them) but are not new calls for middleware.
    assert emulator.stats.count(method="GET", path=CLUSTERS) == 3
    assert emulator.stats.count(method="POST", path="/authentication/refresh/") == 1


class Trace:
    """Middleware factory writing what each layer saw into one shared list."""

    def __init__(self) -> None:
        self.lines: list[tuple[Any, ...]] = []

    def layer(self, name: str) -> Any:
        def middleware(request: Request, call_next: Handler) -> Response:
            absolute = "://" in request.url
            self.lines.append((name, "in", absolute, "Authorization" in request.headers))
            try:
                response = call_next(request)
            except keystone.HTTPError as error:
                self.lines.append((name, "raised", error.response.status_code))
                raise
            self.lines.append((name, "out", response.status_code))
            return response

        middleware.__name__ = name
        return middleware


def test_chain_order_and_per_attempt_placement(emulator: KeystoneEmulator) -> None:
    trace = Trace()
    client = documented_client(
        emulator.url,
        middleware=[trace.layer("first"), trace.layer("second"), per_attempt(trace.layer("each"))],
    )
    builtin = [name for name in client.middleware if name in BUILT_IN]
    assert builtin == BUILT_IN
    assert client.middleware == [
        "first",
        "second",
        "log",
        "base_url",
        "json",
        "backoff",
        "each",
        "auth",
        "throttle",
        "wire_log",
        "transport",
    ]
    client.login(USERNAME, PASSWORD)
    trace.lines.clear()
    emulator.faults.status(503, method="GET", path=CLUSTERS, times=2)
    assert client.http_get("allocations/clusters").status_code == 200
    assert trace.lines == [
        ("first", "in", False, False),  # outermost first; the endpoint as the caller gave it
        ("second", "in", False, False),
        ("each", "in", True, False),  # per attempt: absolute URL, credentials not yet attached
        ("each", "out", 503),  # every answer is a Response here, retried ones included
        ("each", "in", True, ANY),  # a retry may still carry the last attempt's credentials
        ("each", "out", 503),
        ("each", "in", True, ANY),
        ("each", "out", 200),
        ("second", "out", 200),  # the outer layers see one call and its final outcome
        ("first", "out", 200),
    ]
    assert emulator.stats.count(method="GET", path=CLUSTERS) == 3

    trace.lines.clear()
    with pytest.raises(keystone.NotFoundError):
        client.http_get("allocations/clusters/999999")
    assert trace.lines == [
        ("first", "in", False, False),
        ("second", "in", False, False),
        ("each", "in", True, False),
        ("each", "out", 404),  # below the JSON layer a 404 is still a response
        ("second", "raised", 404),  # above it, a typed error
        ("first", "raised", 404),
    ]


def test_per_attempt_hooks_object_sees_each_attempt(emulator: KeystoneEmulator) -> None:
    class Attempts:  # hooks, without subclassing HookMiddleware
        def __init__(self) -> None:
            self.statuses: list[int] = []

        def on_response(self, request: Request, response: Response) -> None:
            self.statuses.append(response.status_code)

    attempts = Attempts()
    client = documented_client(emulator.url, middleware=[per_attempt(attempts)])
    client.login(USERNAME, PASSWORD)
    emulator.faults.status(429, method="GET", path=CLUSTERS, times=1, retry_after=0)
    client.http_get("allocations/clusters")
    assert attempts.statuses == [200, 429, 200]  # login, then the throttled attempt and its retry


def test_split_placement_keeps_order_and_unwraps() -> None:
    def a(request: Request, call_next: Handler) -> Response:
        return call_next(request)

    class Hooks(HookMiddleware):
        name = "hooks"

    b, c = Hooks(), per_attempt(a)
    assert isinstance(c, PerAttempt) and c.name == "a" and repr(c).startswith("per_attempt(")
    assert per_attempt(c).middleware is a  # wrapping twice changes nothing
    outer, inner = split_placement([a, c, b])
    assert outer == [a, b] and inner == [a]
    with pytest.raises(TypeError, match="not a middleware"):
        split_placement([42])
    with pytest.raises(TypeError, match="not a middleware"):
        per_attempt(42)
