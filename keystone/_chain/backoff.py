"""The backoff layer: retries transient failures with exponential backoff, safely, in time.

The first attempt is a plain call: a request that succeeds pays one clock read and one status
check here, nothing more. Only an attempt that failed in a way that may be worth
another one (a transport error, a failed renewal, 429, 502, 503, 504) enters the loop of
:mod:`keystone._retry.loop`, imported then, so that importing the client does not import
tenacity; the loop's rules decide whether it really is sent again.

The call's deadline is set when the call is made (:meth:`keystone._core.Core.begin`, before
finding out the server if the call has to), or here for a request built elsewhere, and travels
on ``request.call.deadline`` to the transport, which cuts the attempt in progress short when it
passes. This layer sits inside
the JSON layer: it sees 4xx/5xx as responses, resends the same body bytes, and returns the
final response for the JSON layer to raise (with the attempts this layer noted on the call's
state).
"""

from __future__ import annotations

from keystone._clock import SYSTEM_CLOCK, Clock
from keystone._errors import TokenRefreshError, TransportError
from keystone._item_context import item_policy
from keystone._pipeline import Layer
from keystone._request import Request
from keystone._response import Response
from keystone._retry.rules import RETRYABLE_STATUSES
from keystone._retry_policy import RetryPolicy, check_policy
from keystone._timeouts import CallDeadline


class BackoffMiddleware(Layer):
    """Sends a failed request again when that is safe, waiting with full-jitter backoff.

    ``policy`` is the default of every call (``RetryPolicy()`` if omitted); a call may carry
    its own on ``request.call.retry``. ``clock`` does the waiting (a test's fake clock makes it
    instant).
    """

    name = "backoff"

    def __init__(
        self,
        policy: RetryPolicy | None = None,
        *,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        self.policy = check_policy(RetryPolicy() if policy is None else policy)
        self.clock = clock

    def handle(self, request: Request) -> Response:
        policy, started = self._begin(request)
        first: Response | TransportError | TokenRefreshError
        try:
            first = self.call_next(request)
        except (TransportError, TokenRefreshError) as error:
            first = error
        else:
            if _final(request, first):
                return first
        from keystone._retry.loop import RetryLoop

        return RetryLoop(request, self.call_next, policy, self.clock, started).run(first)

    async def handle_async(self, request: Request) -> Response:
        policy, started = self._begin(request)
        first: Response | TransportError | TokenRefreshError
        try:
            first = await self.acall_next(request)
        except (TransportError, TokenRefreshError) as error:
            first = error
        else:
            if _final(request, first):
                return first
        from keystone._retry.loop import RetryLoop

        loop = RetryLoop(request, self.acall_next, policy, self.clock, started)
        return await loop.run_async(first)

    def _begin(self, request: Request) -> tuple[RetryPolicy, float]:
        """The policy of ``request``'s call and when its first attempt starts (its deadline
        set here for a request built elsewhere)."""
        call = request.call
        policy = self.policy_for(call.retry)
        if policy.deadline is not None and call.deadline is None:
            call.deadline = CallDeadline(policy.deadline, self.clock)
        return policy, self.clock.monotonic()

    def policy_for(self, retry: RetryPolicy | None) -> RetryPolicy:
        """The policy of a call that gave ``retry`` (``None``: the one of the batch it runs in,
        else the client's)."""
        return retry or item_policy() or self.policy

    def __repr__(self) -> str:
        return f"<BackoffMiddleware {self.policy!r}>"


def _final(request: Request, first: Response) -> bool:
    """Whether the first answer is the call's (nothing in it is worth another attempt)."""
    call = request.call
    return first.status_code not in RETRYABLE_STATUSES and (
        call.throttled is None or call.throttled(first.status_code, first.content) is None
    )
