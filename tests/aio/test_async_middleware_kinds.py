"""Which middleware the async client's chain runs: async callables, hooks, and middleware that
serves both chains (``call_async``, as ``MetricsMiddleware`` has); a sync callable is refused
when the client is made, before anything is sent."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from keystone import (
    AsyncKeystoneClient,
    HookMiddleware,
    MetricsMiddleware,
    Request,
    Response,
    StaticTokenAuth,
    per_attempt,
)
from keystone.testing import FakeClock, MockTransport

URL = "http://keystone.test"


def flaky_then_ok() -> MockTransport:
    answers = [503, 200]

    def handler(request: Request) -> Response:
        status = answers.pop(0) if answers else 200
        return Response(status, json={"id": 1} if status == 200 else {"detail": "busy"})

    return MockTransport(handler)


def client(transport: MockTransport, middleware: list[Any]) -> AsyncKeystoneClient:
    return AsyncKeystoneClient(
        URL,
        transport=transport,
        auth=StaticTokenAuth("key"),
        server="0.10.9",
        middleware=middleware,
        clock=FakeClock(),
    )


def test_metrics_middleware_counts_calls_and_attempts_in_the_async_client() -> None:
    calls, attempts = MetricsMiddleware(), MetricsMiddleware()
    transport = flaky_then_ok()

    async def main() -> None:
        c = client(transport, [calls, per_attempt(attempts)])
        assert await c.retrieve_cluster(pk=1) == {"id": 1}

    asyncio.run(main())
    assert len(transport.requests) == 2  # a 503, then the answer
    assert calls.count(method="GET") == 1
    assert attempts.count(method="GET") == 2
    assert attempts.count(status_class="5xx") == 1


def test_async_and_hook_middleware_run_in_the_order_given() -> None:
    seen: list[str] = []

    async def outer(request: Request, call_next: Any) -> Response:
        seen.append("outer in")
        response = await call_next(request)
        seen.append("outer out")
        return response

    class Hooks(HookMiddleware):
        def on_request(self, request: Request) -> None:
            seen.append("hooks request")

        def on_response(self, request: Request, response: Response) -> None:
            seen.append(f"hooks {response.status_code}")

    async def main() -> None:
        c = client(flaky_then_ok(), [outer, Hooks()])
        await c.retrieve_cluster(pk=1)

    asyncio.run(main())
    assert seen == ["outer in", "hooks request", "hooks 200", "outer out"]


def test_a_sync_middleware_is_refused_before_anything_is_sent() -> None:
    transport = flaky_then_ok()

    def blocking(request: Request, call_next: Any) -> Response:
        return call_next(request)  # would block the event loop for the rest of the chain

    class Blocking:
        def __call__(self, request: Request, call_next: Any) -> Response:
            return call_next(request)

    for middleware in (blocking, Blocking(), per_attempt(blocking)):
        with pytest.raises(TypeError, match=r"is a sync middleware.*async def middleware"):
            client(transport, [middleware])
    assert transport.requests == []
