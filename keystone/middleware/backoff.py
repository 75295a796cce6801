"""Retries transient failures with exponential backoff, safely, under a per-call deadline.

The first attempt is a plain call: a request that succeeds pays one clock read and one status
check here, nothing more. Only after a first failure worth retrying does the call enter the
tenacity loop of :mod:`keystone.middleware._retry_call` (imported then, so that importing the
client does not import tenacity). Which failures are retried is decided by
:mod:`keystone.retry_rules`; how often and how long by a
:class:`~keystone.retry_policy.RetryPolicy`: the middleware's own, or the one a caller put in
``request.context["retry"]`` for one call.

This layer sits inside the JSON layer, so it sees 4xx/5xx as responses, and it re-sends the
same ``request.body`` bytes the JSON layer encoded once.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from keystone.errors import TransportError
from keystone.pipeline import Handler
from keystone.request import Request
from keystone.response import Response
from keystone.retry_policy import RetryPolicy
from keystone.retry_rules import RETRYABLE_STATUSES
from keystone.timeouts import CallDeadline
from keystone.transport import DEADLINE_KEY

#: The ``request.context`` key holding a per-call policy (``None`` or absent: the default).
CONTEXT_KEY = "retry"

#: Logger of the retries (WARNING: one line per retry, with the attempt and the reason).
LOGGER_NAME = "keystone.backoff"


class BackoffMiddleware:
    """Sends a failed request again when that is safe, waiting with full-jitter backoff.

    ``policy`` is the default for every call (``RetryPolicy()`` if omitted); a call may carry
    its own in ``request.context["retry"]``. The policy's deadline bounds the whole call: it is
    handed to the transport (``request.context["deadline"]``), which cuts every attempt short
    when it passes, however slowly the server answers. ``sleep`` and ``clock`` exist for tests
    that must not wait.
    """

    name = "backoff"

    def __init__(
        self,
        policy: RetryPolicy | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.policy = check_policy(RetryPolicy() if policy is None else policy)
        self.sleep = sleep
        self.clock = clock

    def __call__(self, request: Request, call_next: Handler) -> Response:
        started = self.clock()
        deadline = self.policy_for(request).deadline
        if deadline is not None:
            now = started if self.clock is time.monotonic else time.monotonic()
            request.context[DEADLINE_KEY] = CallDeadline(now + deadline, deadline)
        try:
            response = call_next(request)
        except TransportError as error:
            return self._recover(request, call_next, started, error)
        if response.status_code in RETRYABLE_STATUSES:
            return self._recover(request, call_next, started, response)
        return response

    def policy_for(self, request: Request) -> RetryPolicy:
        """The policy for this call: the one in its context, else the middleware's."""
        override = request.context.get(CONTEXT_KEY)
        return self.policy if override is None else check_policy(override)

    def _recover(
        self,
        request: Request,
        call_next: Handler,
        started: float,
        first: Response | TransportError,
    ) -> Response:
        from keystone.middleware._retry_call import RetryCall

        return RetryCall(self, request, call_next, started, first).run()

    def __repr__(self) -> str:
        return f"<BackoffMiddleware {self.policy!r}>"


def check_policy(value: object) -> RetryPolicy:
    """``value`` if it is a :class:`RetryPolicy`, else a ``TypeError`` saying what to pass."""
    if not isinstance(value, RetryPolicy):
        raise TypeError(
            f"retry={value!r} is not a RetryPolicy: pass e.g. retry=RetryPolicy(max_attempts=2), "
            "retry=RetryPolicy.disabled(), or None for the client's default"
        )
    return value
