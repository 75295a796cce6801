"""One call's retry loop on tenacity, entered after its first attempt failed.

Tenacity's public API runs it: :meth:`RetryLoop.decisions` are the hooks given to
``Retrying`` (stop, wait, retry, before_sleep), and :meth:`RetryLoop.run` calls
``Retrying(...)(attempt)``, whose first attempt hands back the outcome already in hand. The
hooks decide, outcome after outcome, whether to stop, wait or send again:

- retry what :mod:`keystone._retry.rules` allows (what is safe for this method and answer);
- after a throttle's answer (a 429 with ``Retry-After``, a throttled job), send again at
  once: the throttle layer below holds the request (and every other of the client) until
  then, and that wait is the server's time, not the call's; such a refusal is not a failed
  attempt (the server did nothing with the request);
- else wait the server's ``Retry-After`` when the answer carried one (a 503), else full
  jitter;
- stop after the policy's attempts, before a wait that would pass the call's deadline, or
  before a ``Retry-After`` longer than the call may still wait for throttles (the policy's
  ``max_retry_after``, for all the call's waits together).

Its result is the final response (which the JSON layer raises if it is a 4xx/5xx, with the
note left here on ``request.call.retry_note``) or the final transport error, annotated with the
attempts and the elapsed time, or an ``OutcomeUnknownError`` for a POST or PATCH that may have
been applied.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, cast

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    retry_if_result,
    wait_full_jitter,
)
from tenacity.stop import stop_base
from tenacity.wait import wait_base

from keystone._clock import sleep_async
from keystone._errors import KeystoneError, TokenRefreshError, TransportError, annotate
from keystone._log_fields import log_fields
from keystone._request import Request
from keystone._response import Response
from keystone._retry.rules import (
    RETRYABLE_STATUSES,
    error_is_retryable,
    is_idempotent,
    outcome_unknown,
    response_is_retryable,
    retry_after_of,
    throttle_wait,
)
from keystone._retry_policy import RetryPolicy

if TYPE_CHECKING:
    from keystone._clock import Clock
    from keystone._pipeline import AsyncHandler, Handler

logger = logging.getLogger("keystone.backoff")

Outcome = Response | TransportError | TokenRefreshError


class _GaveUp:
    """What the loop ends with when a stop condition, not the rules, ended it."""

    def __init__(self, retry_state: RetryCallState) -> None:
        self.outcome = retry_state.outcome
        self.upcoming_sleep = retry_state.upcoming_sleep


class _Wait(wait_base):
    """No wait after a throttle's answer (the throttle layer holds the next attempt until
    then); the server's ``Retry-After`` after another answer with one; else ``fallback``."""

    def __init__(self, fallback: wait_base, request: Request) -> None:
        self.fallback = fallback
        self.request = request

    def __call__(self, retry_state: RetryCallState) -> float:
        if _throttle_wait(retry_state, self.request):
            return 0.0
        retry_after = _retry_after(retry_state, self.request)
        return retry_after if retry_after is not None else float(self.fallback(retry_state))


class _StopAfterFailures(stop_base):
    """Stop after the policy's attempts, not counting the answers that only said "later"."""

    def __init__(self, loop: RetryLoop) -> None:
        self.loop = loop

    def __call__(self, retry_state: RetryCallState) -> bool:
        if not self.loop.policy.enabled:
            return True  # retries disabled: nothing is sent twice, not even after a "later"
        failures = retry_state.attempt_number - self.loop.refusals
        return failures >= self.loop.policy.max_attempts


class _StopBeforeLimits(stop_base):
    """Stop before a wait past the call's deadline or a ``Retry-After`` beyond what the call
    may still wait for throttles."""

    def __init__(self, loop: RetryLoop) -> None:
        self.loop = loop

    def __call__(self, retry_state: RetryCallState) -> bool:
        throttled = _throttle_wait(retry_state, self.loop.request)
        if throttled and throttled > self.loop.throttle_budget():
            return True
        retry_after = _retry_after(retry_state, self.loop.request)
        if not throttled and retry_after and retry_after > self.loop.policy.max_retry_after:
            return True
        left = self.loop.time_left()
        return left is not None and retry_state.upcoming_sleep >= left


def _throttle_wait(retry_state: RetryCallState, request: Request) -> float | None:
    outcome = retry_state.outcome
    if outcome is None or outcome.failed:
        return None
    return throttle_wait(outcome.result(), request)


def _retry_after(retry_state: RetryCallState, request: Request) -> float | None:
    outcome = retry_state.outcome
    if outcome is None or outcome.failed:
        return None
    return retry_after_of(outcome.result(), request)


class RetryLoop:
    """The retries of one call: its request, policy, clock and the last answer it got."""

    def __init__(
        self,
        request: Request,
        call_next: Handler | AsyncHandler,
        policy: RetryPolicy,
        clock: Clock,
        started: float,
    ) -> None:
        self.request = request
        self.call = request.call
        self.call_next = call_next
        self.policy = policy
        self.clock = clock
        self.started = started
        self.last_response: Response | None = None
        self.refusals = 0  # answers that only asked to come back later

    def decisions(self) -> dict[str, Any]:
        """Tenacity's hooks for this call: when to stop, how long to wait, what to retry, what
        to log. Decisions only: the driver (:meth:`run`) sends and sleeps."""
        policy = self.policy
        return {
            "stop": _StopAfterFailures(self) | _StopBeforeLimits(self),
            "wait": _Wait(wait_full_jitter(policy.backoff_base, policy.backoff_cap), self.request),
            "retry": retry_if_exception(self._error_retryable) | retry_if_result(self._retryable),
            "before_sleep": self._log_retry,
            "retry_error_callback": _GaveUp,
            "reraise": True,
        }

    def run(self, first: Outcome) -> Response:
        """Send again until the decisions say stop; the final response (or raise)."""
        retrying = Retrying(sleep=self._sleep, **self.decisions())
        pending = [first]  # tenacity's first attempt is the one already made

        def attempt() -> Response:
            return self._outcome(pending.pop() if pending else self._send_again())

        try:
            result: Response | _GaveUp = retrying(attempt)
        except KeystoneError as error:
            raise self._raised(error)  # noqa: B904 (the same error, or its OutcomeUnknown)
        return self._settled(result)

    async def run_async(self, first: Outcome) -> Response:
        """:meth:`run` in a task: ``AsyncRetrying`` with the same decisions."""
        from tenacity import AsyncRetrying

        retrying = AsyncRetrying(sleep=self._sleep_async, **self.decisions())
        pending = [first]

        async def attempt() -> Response:
            return self._outcome(pending.pop() if pending else await self._send_again_async())

        try:
            result: Response | _GaveUp = await retrying(attempt)
        except KeystoneError as error:
            raise self._raised(error)  # noqa: B904 (the same error, or its OutcomeUnknown)
        return self._settled(result)

    def _outcome(self, outcome: Outcome) -> Response:
        """An attempt's outcome, recorded: the response, or its error raised for tenacity."""
        self._record(outcome)
        if isinstance(outcome, Response):
            return outcome
        raise outcome

    def _raised(self, error: KeystoneError) -> KeystoneError:
        """What to raise for an error the loop stopped on."""
        if isinstance(error, (TransportError, TokenRefreshError)):  # one the rules do not retry
            return self._failed(error, None)
        # e.g. the session ended during a retry: keep its type
        self.call.retry_note = self._attempt_note()
        annotate(error, self.call, self.last_response)
        return error

    def _settled(self, result: Response | _GaveUp) -> Response:
        """The final response of the loop's ``result`` (or raise the final error)."""
        if isinstance(result, _GaveUp):
            outcome = result.outcome
            assert outcome is not None
            if outcome.failed:
                last_error = outcome.exception()
                assert isinstance(last_error, (TransportError, TokenRefreshError))
                raise self._failed(last_error, result)
            return self._final(outcome.result(), result)
        return self._final(result, None)

    # -- attempts -------------------------------------------------------------------------------

    def _record(self, outcome: Outcome) -> None:
        self.call.elapsed = self.clock.monotonic() - self.started
        if isinstance(outcome, Response):
            self.last_response = outcome
            if throttle_wait(outcome, self.request):
                self.refusals += 1

    def _send_again(self) -> Outcome:
        self.call.attempt += 1
        try:
            return cast("Handler", self.call_next)(self.request)
        except (TransportError, TokenRefreshError) as error:
            return error

    async def _send_again_async(self) -> Outcome:
        self.call.attempt += 1
        try:
            return await cast("AsyncHandler", self.call_next)(self.request)
        except (TransportError, TokenRefreshError) as error:
            return error

    def _error_retryable(self, error: BaseException) -> bool:
        return error_is_retryable(self.policy, self.request, error)

    def _retryable(self, response: Response) -> bool:
        return response_is_retryable(self.policy, self.request, response)

    def time_left(self) -> float | None:
        """Seconds left before the call's deadline, or ``None`` without one.

        The deadline started with the call (before finding out the server, if the call had
        to), runs on the client's clock, and moved on by what the call waited for throttles.
        """
        deadline = self.call.deadline
        return None if deadline is None else deadline.left()

    def _sleep(self, seconds: float) -> None:
        if seconds > 0:  # none after a throttle's answer: the throttle layer waits
            self.clock.sleep(seconds)

    async def _sleep_async(self, seconds: float) -> None:
        if seconds > 0:
            await sleep_async(self.clock, seconds)

    def throttle_budget(self) -> float:
        """Seconds the call may still wait for throttles (its policy's ``max_retry_after``,
        less what it waited already)."""
        return self.policy.max_retry_after - self.call.throttle_waited

    def _log_retry(self, retry_state: RetryCallState) -> None:
        outcome = retry_state.outcome
        assert outcome is not None
        answer = None if outcome.failed else outcome.result()
        if answer is not None and throttle_wait(answer, self.request):
            # Not a failure: the server asked for later, and the throttle layer waits for it.
            if logger.isEnabledFor(logging.INFO):
                fields = log_fields(self.request, self.call.redactor)
                logger.info(
                    "%s %s: %s; sent again when the throttle lets it",
                    self.request.method,
                    fields["url"],
                    _describe(answer, self.request),
                    extra=fields,
                )
            return
        if not logger.isEnabledFor(logging.WARNING):
            return
        reason = _describe(answer if answer is not None else outcome.exception(), self.request)
        wait = retry_state.upcoming_sleep
        fields = log_fields(
            self.request, self.call.redactor, reason=reason, retry_in=round(wait, 3)
        )
        logger.warning(
            "%s %s: attempt %d of %d failed (%s); retrying in %.2f s",
            self.request.method,
            fields["url"],
            self.call.attempt - self.refusals,  # a throttle's "later" is no failed attempt
            self.policy.max_attempts,
            reason,
            wait,
            extra=fields,
        )

    # -- the end --------------------------------------------------------------------------------

    def _final(self, response: Response, gave_up: _GaveUp | None) -> Response:
        """The final response, with a note for the JSON layer's error if it is one."""
        if response.status_code >= 400:
            self.call.retry_note = (
                self._why_not_resent(response, gave_up) if gave_up else self._not_retried(response)
            )
        return response

    def _failed(self, error: KeystoneError, gave_up: _GaveUp | None) -> KeystoneError:
        """The error to raise for a final failed attempt, annotated with the attempts."""
        unknown = outcome_unknown(self.request, error)
        if unknown is not None:
            unknown.__cause__ = error
            unknown.__suppress_context__ = True
            error = unknown
            self.call.retry_note = self._attempt_note()
        elif gave_up is not None:
            self.call.retry_note = self._why_not_resent(None, gave_up)
        else:
            self.call.retry_note = self._attempt_note()
        annotate(error, self.call, self.last_response)
        return error

    def _attempt_note(self) -> str:
        if self.call.attempt == 1:
            return ""
        elapsed = self.call.elapsed or 0.0
        return f"(That was attempt {self.call.attempt}, {elapsed:.1f} s into the call.)"

    def _not_retried(self, response: Response) -> str:
        """Why a retryable-looking answer was not sent again although no limit was reached."""
        method = self.request.method
        if response.status_code in RETRYABLE_STATUSES and not is_idempotent(self.request):
            return (
                f"Not sent again: {method} is not idempotent and a {response.status_code} may "
                "come after the server applied it; check before repeating it, or pass "
                "retry=RetryPolicy(retry_non_idempotent=True) if repeating it is harmless."
            )
        return self._attempt_note()

    def _why_not_resent(self, response: Response | None, gave_up: _GaveUp) -> str:
        policy, refusals = self.policy, self.refusals
        attempts = self.call.attempt - refusals  # a throttle's "later" is no failed attempt
        elapsed = self.call.elapsed or 0.0
        sent = f"{attempts} attempt{'s' if attempts != 1 else ''}"
        if refusals:
            sent += f" and {refusals} refusal{'s' if refusals != 1 else ''} by the throttle"
        sent += f" in {elapsed:.1f} s"
        if not policy.enabled:
            return "Not sent again: retries are disabled for this call."
        if attempts >= policy.max_attempts:
            return f"Gave up after {sent} ({policy.describe()})."
        throttled = throttle_wait(response, self.request) if response is not None else None
        retry_after = retry_after_of(response, self.request) if response is not None else None
        deadline = policy.deadline if policy.deadline is not None else 0.0
        if self.call.deadline is not None:
            deadline = self.call.deadline.seconds
        if throttled and throttled <= self.throttle_budget():
            return (  # the wait was allowed: the call's own time was up
                f"Gave up after {sent}: the call's {deadline:g} s deadline had passed (its "
                "throttle waits not counted). Allow longer with retry=RetryPolicy(deadline=...)."
            )
        if throttled:
            waited = self.call.throttle_waited
            already = f", after {waited:.0f} s waited already" if waited >= 1 else ""
            return (
                f"Not sent again after {sent}: the server asked to wait {throttled:g} s "
                f"(Retry-After), longer than the call may wait for throttles "
                f"({policy.max_retry_after:g} s in all{already}). Try again after that wait, "
                "or allow a longer one with retry=RetryPolicy(max_retry_after=...)."
            )
        if retry_after is not None and retry_after > policy.max_retry_after:
            return (
                f"Not sent again after {sent}: the server asked to wait {retry_after:g} s "
                f"(Retry-After), longer than the {policy.max_retry_after:g} s the client waits "
                "at most. Try again after that wait, or allow a longer one with "
                "retry=RetryPolicy(max_retry_after=...)."
            )
        left = max(0.0, self.time_left() or 0.0)
        if retry_after is not None:
            return (
                f"Not sent again after {sent}: the server asked to wait {retry_after:g} s "
                f"(Retry-After), more than the {left:.1f} s left of the call's {deadline:g} s "
                "deadline. Try again after that wait, or allow a longer one with "
                "retry=RetryPolicy(deadline=...)."
            )
        return (
            f"Gave up after {sent}: the next wait ({gave_up.upcoming_sleep:.1f} s) would pass "
            f"the call's {deadline:g} s deadline."
        )


def _describe(outcome: BaseException | Response | None, request: Request) -> str:
    if isinstance(outcome, Response):
        text = f"{outcome.status_code} {outcome.reason}".strip()
        if outcome.status_code not in RETRYABLE_STATUSES:
            text += ", throttled"  # an answer the call reads as a throttle
        retry_after = retry_after_of(outcome, request)
        return text + (f", Retry-After {retry_after:g} s" if retry_after is not None else "")
    name = type(outcome).__name__
    if isinstance(outcome, TransportError):
        return f"{name}, {'sent, no answer' if outcome.request_sent else 'nothing was sent'}"
    return name
