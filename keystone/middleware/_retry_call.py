"""One call's retry loop on tenacity, entered only after its first attempt failed.

tenacity's ``Retrying`` drives the loop with composed strategies: stop after the policy's
attempts or before a wait that would pass the deadline; wait for ``Retry-After`` or else full
jitter; retry what :mod:`keystone.retry_rules` allows. The first attempt already happened
outside the loop, so the loop's first "attempt" hands back that outcome instead of sending the
request again, which keeps tenacity's attempt numbers equal to the requests really sent.

When the loop ends in failure, the error raised is the typed error of the last attempt
(``ServerError``, ``ThrottledError``, ``ConnectError``...) or an ``OutcomeUnknownError``,
carrying ``attempts``, ``elapsed`` and ``last_response``, with a message saying why it was not
sent again.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from tenacity import (
    Future,
    RetryCallState,
    Retrying,
    retry_if_exception,
    retry_if_result,
    stop_after_attempt,
    wait_full_jitter,
)
from tenacity.stop import stop_base
from tenacity.wait import wait_base

from keystone.errors import KeystoneError, TransportError, detach, error_for_response
from keystone.middleware.logging import log_fields
from keystone.request import Request
from keystone.response import Response
from keystone.retry_rules import (
    RETRYABLE_STATUSES,
    error_is_retryable,
    is_idempotent,
    outcome_unknown,
    response_is_retryable,
    retry_after_of,
)

if TYPE_CHECKING:
    from keystone.middleware.backoff import BackoffMiddleware
    from keystone.pipeline import Handler

logger = logging.getLogger("keystone.backoff")

#: ``request.context`` keys: the number of the attempt being sent (set from the second one on,
#: for layers inside this one) and, once the call is over, how many attempts it took (read
#: by the call log). Both are absent when the first attempt settled the call.
ATTEMPT_KEY = "attempt"
ATTEMPTS_KEY = "attempts"


class _WaitRetryAfterOr(wait_base):
    """The server's ``Retry-After`` when the last answer carried one, else ``fallback``."""

    def __init__(self, fallback: wait_base) -> None:
        self.fallback = fallback

    def __call__(self, retry_state: RetryCallState) -> float:
        outcome = retry_state.outcome
        if outcome is not None and not outcome.failed:
            retry_after = retry_after_of(outcome.result())
            if retry_after is not None:
                return retry_after
        return float(self.fallback(retry_state))


class _StopBeforeLimits(stop_base):
    """Stop when the coming wait would end at or past the call's deadline, or is too long.

    "Too long" is more than the policy's ``max_retry_after``: only a server's ``Retry-After``
    can ask for that, and it bounds the wait even when the call has no deadline.
    """

    def __init__(self, call: RetryCall) -> None:
        self.call = call

    def __call__(self, retry_state: RetryCallState) -> bool:
        wait = retry_state.upcoming_sleep
        if wait > self.call.policy.max_retry_after:
            return True
        left = self.call.time_left()
        return left is not None and wait >= left


class RetryCall:
    """The state of one call being retried: its request, policy, clock and last answer."""

    def __init__(
        self,
        middleware: BackoffMiddleware,
        request: Request,
        call_next: Handler,
        started: float,
        first: Response | TransportError,
    ) -> None:
        self.middleware = middleware
        self.request = request
        self.call_next = call_next
        self.started = started
        self.policy = middleware.policy_for(request)
        self.clock = middleware.clock
        self.attempts = 1
        self.last_response = first if isinstance(first, Response) else None
        self._first: Response | TransportError | None = first
        self._final_outcome: Future | None = None
        self._upcoming_sleep = 0.0

    # -- the loop -------------------------------------------------------------------------------

    def run(self) -> Response:
        try:
            return self._run()
        finally:
            self.request.context[ATTEMPTS_KEY] = self.attempts

    def _run(self) -> Response:
        policy = self.policy
        retrying = Retrying(
            stop=stop_after_attempt(policy.max_attempts) | _StopBeforeLimits(self),
            wait=_WaitRetryAfterOr(wait_full_jitter(policy.backoff_base, policy.backoff_cap)),
            retry=retry_if_exception(self._error_retryable) | retry_if_result(self._retryable),
            before_sleep=self._log_retry,
            retry_error_callback=self._give_up,
            sleep=self.middleware.sleep,
            reraise=True,
        )
        try:
            response = retrying(self._attempt)
        except TransportError as error:
            raise self._final_transport_error(error)  # noqa: B904 (keeps the original cause)
        except KeystoneError as error:
            raise self._annotate(error, self._attempt_note())  # noqa: B904
        final = self._final_outcome
        if final is not None:
            if final.failed:
                failure = final.exception()
                assert isinstance(failure, TransportError)
                raise self._final_transport_error(failure)
            raise self._final_http_error(final.result())
        if response.status_code >= 400 and self._should_raise(response):
            raise self._final_http_error(response)
        return response

    def _attempt(self) -> Response:
        first = self._first
        if first is not None:
            self._first = None
            if isinstance(first, BaseException):
                raise first
            return first
        self.attempts += 1
        self.request.context[ATTEMPT_KEY] = self.attempts
        response = self.call_next(self.request)
        self.last_response = response
        return response

    def _error_retryable(self, error: BaseException) -> bool:
        return error_is_retryable(self.policy, self.request, error)

    def _retryable(self, response: Response) -> bool:
        return response_is_retryable(self.policy, self.request, response)

    def _give_up(self, retry_state: RetryCallState) -> None:
        """Called by tenacity when a stop strategy ends the loop; ``run`` raises afterwards."""
        self._final_outcome = retry_state.outcome
        self._upcoming_sleep = retry_state.upcoming_sleep

    def _log_retry(self, retry_state: RetryCallState) -> None:
        if not logger.isEnabledFor(logging.WARNING):
            return
        outcome = retry_state.outcome
        assert outcome is not None
        if outcome.failed:
            reason = _describe_error(outcome.exception())
        else:
            reason = _describe_response(outcome.result())
        fields = log_fields(
            self.request,
            attempt=self.attempts,
            reason=reason,
            retry_in=round(retry_state.upcoming_sleep, 3),
        )
        logger.warning(
            "%s %s: attempt %d of %d failed (%s); retrying in %.2f s",
            self.request.method,
            fields["url"],
            self.attempts,
            self.policy.max_attempts,
            reason,
            retry_state.upcoming_sleep,
            extra=fields,
        )

    # -- time -----------------------------------------------------------------------------------

    def elapsed(self) -> float:
        return self.clock() - self.started

    def time_left(self) -> float | None:
        """Seconds left before the deadline, or ``None`` without one."""
        deadline = self.policy.deadline
        return None if deadline is None else deadline - self.elapsed()

    # -- the final error ------------------------------------------------------------------------

    def _should_raise(self, response: Response) -> bool:
        """Whether a final 4xx/5xx is raised here (with retry details) rather than upstream."""
        return self.attempts > 1 or response.status_code in RETRYABLE_STATUSES

    def _final_http_error(self, response: Response) -> KeystoneError:
        return self._annotate(error_for_response(response), self._why_not_resent(response))

    def _final_transport_error(self, error: TransportError) -> KeystoneError:
        unknown = outcome_unknown(self.request, error)
        if unknown is not None:
            unknown.__cause__ = error
            unknown.__suppress_context__ = True
            return self._annotate(unknown, self._attempt_note())
        return self._annotate(error, self._why_not_resent(None))

    def _annotate(self, error: KeystoneError, note: str) -> KeystoneError:
        error.attempts = self.attempts
        error.elapsed = self.elapsed()
        if error.last_response is None and self.last_response is not None:
            error.last_response = self.last_response
            self.last_response.request = detach(self.last_response.request)
        if note:
            error.args = (f"{error.args[0] if error.args else ''} {note}".strip(),)
        return error

    def _attempt_note(self) -> str:
        if self.attempts == 1:
            return ""
        return f"(That was attempt {self.attempts}, {self.elapsed():.1f} s into the call.)"

    def _why_not_resent(self, response: Response | None) -> str:
        policy, attempts, elapsed = self.policy, self.attempts, self.elapsed()
        sent = f"{attempts} attempt{'s' if attempts != 1 else ''} in {elapsed:.1f} s"
        if self._final_outcome is None:
            if response is not None and response.status_code in RETRYABLE_STATUSES:
                method = self.request.method
                if not is_idempotent(self.request):
                    return (
                        f"Not sent again: {method} is not idempotent and a "
                        f"{response.status_code} may come after the server applied it; check "
                        "before repeating it, or pass retry=RetryPolicy(retry_non_idempotent="
                        "True) if repeating it is harmless."
                    )
            return self._attempt_note()
        if not policy.enabled:
            return "Not sent again: retries are disabled for this call."
        if attempts >= policy.max_attempts:
            return f"Gave up after {sent} ({policy.describe()})."
        retry_after = retry_after_of(response) if response is not None else None
        left = max(0.0, (policy.deadline or 0.0) - elapsed)
        if retry_after is not None and retry_after > policy.max_retry_after:
            return (
                f"Not sent again after {sent}: the server asked to wait {retry_after:g} s "
                f"(Retry-After), longer than the {policy.max_retry_after:g} s the client waits "
                "at most. Try again after that wait, or allow a longer one with "
                "retry=RetryPolicy(max_retry_after=...)."
            )
        if retry_after is not None:
            return (
                f"Not sent again after {sent}: the server asked to wait {retry_after:g} s "
                f"(Retry-After), more than the {left:.1f} s left of the call's "
                f"{policy.deadline:g} s deadline. Try again after that wait, or allow a longer "
                "one with retry=RetryPolicy(deadline=...)."
            )
        return (
            f"Gave up after {sent}: the next wait ({self._upcoming_sleep:.1f} s) would pass "
            f"the call's {policy.deadline:g} s deadline."
        )


def _describe_response(response: Response) -> str:
    text = f"{response.status_code} {response.reason}".strip()
    retry_after = retry_after_of(response)
    if retry_after is not None:
        text += f", Retry-After {retry_after:g} s"
    return text


def _describe_error(error: BaseException | None) -> str:
    name = type(error).__name__
    if isinstance(error, TransportError):
        return f"{name}, {'sent, no answer' if error.request_sent else 'nothing was sent'}"
    return name
