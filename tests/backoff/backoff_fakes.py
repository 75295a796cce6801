"""Test doubles for unit tests of the backoff layer: a scripted next handler under the layer
(with the JSON layer above it, which raises the final 4xx/5xx as in the client, and the
throttle layer below it, which waits for a ``Retry-After`` as in the client), and the client's
``FakeClock``, which advances only when a layer sleeps (so no test waits)."""

from __future__ import annotations

from collections.abc import Mapping

from keystone import (
    CallState,
    ConnectError,
    ConnectionDroppedError,
    KeystoneError,
    ReadTimeout,
    Request,
    Response,
    RetryPolicy,
    TransportError,
)
from keystone._chain.backoff import BackoffMiddleware
from keystone._chain.json import JSONMiddleware
from keystone._chain.throttle import ThrottleMiddleware
from keystone._pipeline import compose
from keystone._throttle import Throttle
from keystone._urls import BaseURL
from keystone.testing import FakeClock

Step = int | KeystoneError | tuple[int, Mapping[str, str]] | type[TransportError]


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
            self.clock.advance(self.cost)
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
    call: CallState | None = None,
    cost: float = 0.0,
) -> tuple[Response | BaseException, Script, FakeClock]:
    """Send one request through the JSON, backoff and throttle layers over ``steps``; never
    raises."""
    clock = FakeClock()
    script = Script(*steps, clock=clock, cost=cost)
    policy = policy or RetryPolicy(backoff_base=0.01, backoff_cap=0.05)
    backoff = BackoffMiddleware(policy, clock=clock)
    throttle = ThrottleMiddleware(Throttle(), backoff, clock, BaseURL("http://keystone.test"))
    handler = compose([JSONMiddleware(), backoff, throttle], script)
    request = Request(
        method,
        "http://keystone.test/allocations/clusters/",
        body=b'{"name":"c"}',
        call=call,
    )
    try:
        return handler(request), script, clock
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
