"""Test doubles for unit tests of the backoff middleware alone: a scripted next handler, and a
clock that advances only when the middleware sleeps (so no test waits)."""

from __future__ import annotations

from collections.abc import Mapping

from keystone.errors import (
    ConnectError,
    ConnectionDroppedError,
    KeystoneError,
    ReadTimeout,
    TransportError,
)
from keystone.middleware.backoff import BackoffMiddleware
from keystone.request import Request
from keystone.response import Response
from keystone.retry_policy import RetryPolicy

Step = int | KeystoneError | tuple[int, Mapping[str, str]] | type[TransportError]


class FakeClock:
    """``clock()`` and ``sleep()`` on a virtual time line."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Script:
    """A next handler that answers each call with the next step.

    A step is a status code, ``(status, headers)``, an exception instance, or a
    :class:`TransportError` subclass (instantiated for the request). ``cost`` seconds of virtual
    time pass per call. Every request seen is kept, with the body and timeout it had then.
    """

    def __init__(self, *steps: Step, clock: FakeClock | None = None, cost: float = 0.0) -> None:
        self.steps = list(steps)
        self.clock = clock
        self.cost = cost
        self.seen: list[tuple[Request, bytes | None, object]] = []

    @property
    def calls(self) -> int:
        return len(self.seen)

    def __call__(self, request: Request) -> Response:
        self.seen.append((request, request.body, request.timeout))
        if self.clock is not None:
            self.clock.now += self.cost
        step = self.steps.pop(0) if self.steps else 200
        if isinstance(step, type):
            raise step(f"{request.method} {request.url} failed (scripted)", request=request)
        if isinstance(step, BaseException):
            raise step
        status, headers = step if isinstance(step, tuple) else (step, {})
        return Response(
            status,
            content=b'{"detail": "scripted"}',
            headers={"Content-Type": "application/json", **headers},
            url=request.url,
            request=request,
        )


def run(
    method: str,
    *steps: Step,
    policy: RetryPolicy | None = None,
    context: dict[str, object] | None = None,
    cost: float = 0.0,
) -> tuple[Response | BaseException, Script, FakeClock]:
    """Send one request through a BackoffMiddleware over ``steps``; never raises."""
    clock = FakeClock()
    script = Script(*steps, clock=clock, cost=cost)
    middleware = BackoffMiddleware(
        policy or RetryPolicy(backoff_base=0.01, backoff_cap=0.05),
        sleep=clock.sleep,
        clock=clock.clock,
    )
    request = Request(
        method,
        "http://keystone.test/allocations/clusters/",
        body=b'{"name":"c"}',
        context=dict(context or {"kind": "api"}),
    )
    try:
        return middleware(request, script), script, clock
    except Exception as error:
        return error, script, clock


__all__ = [
    "ConnectError",
    "ConnectionDroppedError",
    "FakeClock",
    "ReadTimeout",
    "Script",
    "run",
]
