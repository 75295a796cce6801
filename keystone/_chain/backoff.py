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
        call = request.call
        policy = self.policy_for(call.retry)
        started = self.clock.monotonic()
        if policy.deadline is not None and call.deadline is None:  # a request built elsewhere
            call.deadline = CallDeadline(policy.deadline, self.clock)
        first: Response | TransportError | TokenRefreshError
        try:
            first = self.call_next(request)
        except (TransportError, TokenRefreshError) as error:
            first = error
        else:
            if first.status_code not in RETRYABLE_STATUSES and (
                call.throttled is None or call.throttled(first.status_code, first.content) is None
            ):
                return first
        from keystone._retry.loop import RetryLoop

        return RetryLoop(request, self.call_next, policy, self.clock, started).run(first)

    def policy_for(self, retry: RetryPolicy | None) -> RetryPolicy:
        """The policy of a call that gave ``retry`` (``None``: the one of the batch it runs in,
        else the client's)."""
        return retry or item_policy() or self.policy

    def __repr__(self) -> str:
        return f"<BackoffMiddleware {self.policy!r}>"
