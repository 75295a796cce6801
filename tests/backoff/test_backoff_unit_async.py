"""The tests of test_backoff_unit.py, run on the layers' ``handle_async`` (see
tests/async_bridge.py): the same JSON, backoff and throttle layers over the same script, each
request awaited down an async chain, as AsyncKeystoneClient composes it."""

from __future__ import annotations

import asyncio

import backoff_fakes
import test_backoff_unit
from async_bridge import twin
from backoff_fakes import Script, Step

from keystone import CallState, Request, Response, RetryPolicy
from keystone._chain.backoff import BackoffMiddleware
from keystone._chain.json import JSONMiddleware
from keystone._chain.throttle import ThrottleMiddleware
from keystone._pipeline import acompose
from keystone._throttle import Throttle
from keystone._urls import BaseURL
from keystone.testing import FakeClock


def run_async(
    method: str,
    *steps: Step,
    policy: RetryPolicy | None = None,
    call: CallState | None = None,
    cost: float = 0.0,
) -> tuple[Response | BaseException, Script, FakeClock]:
    """:func:`backoff_fakes.run` with the layers' ``handle_async``, in an event loop."""
    clock = FakeClock()
    script = Script(*steps, clock=clock, cost=cost)
    policy = policy or RetryPolicy(backoff_base=0.01, backoff_cap=0.05)
    backoff = BackoffMiddleware(policy, clock=clock)
    throttle = ThrottleMiddleware(Throttle(), backoff, clock, BaseURL("http://keystone.test"))

    async def send(request: Request) -> Response:
        return script(request)

    handler = acompose([JSONMiddleware(), backoff, throttle], send)
    request = Request(
        method, "http://keystone.test/allocations/clusters/", body=b'{"name":"c"}', call=call
    )

    async def main() -> Response | BaseException:
        try:
            return await handler(request)
        except Exception as error:
            return error

    return asyncio.run(main()), script, clock


twin(
    test_backoff_unit,
    globals(),
    swaps={backoff_fakes.run: run_async},
    skip={
        "test_success_path_never_enters_the_retry_loop": (
            "patches RetryLoop.run, the sync loop; the async layer would enter run_async, so "
            "the copy would pass whether or not it entered a loop"
        ),
        "test_the_middleware_is_safe_to_share": (
            "calls the layer as a sync middleware, layer(request, call_next): no async path"
        ),
        "test_the_attempt_number_is_on_the_call_state": (
            "calls the layer as a sync middleware, layer(request, call_next): no async path"
        ),
    },
)
