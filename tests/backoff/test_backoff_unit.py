"""Unit tests of BackoffMiddleware alone, over a scripted next handler and a virtual clock.

Each test isolates one rule; the same rules are tested over real sockets against the emulator
in ``test_backoff_emulator.py``.
"""

from __future__ import annotations

import email.utils
import logging
import time

import pytest
from backoff_fakes import ConnectError, ConnectionDroppedError, ReadTimeout, Script, run

import keystone
from keystone import CallState, KeystoneClient, Request, Response, RetryPolicy
from keystone._chain.backoff import BackoffMiddleware
from keystone._errors import (
    ConnectTimeout,
    DroppedOutcomeUnknownError,
    KeystoneError,
    OutcomeUnknownError,
    TimeoutOutcomeUnknownError,
    TokenRefreshError,
    TransportError,
)
from keystone._http_errors import AuthenticationError, ServerError, ThrottledError
from keystone._retry.loop import RetryLoop
from keystone._timeouts import CallDeadline
from keystone.testing import MockTransport

IDEMPOTENT = ["GET", "HEAD", "OPTIONS", "PUT", "DELETE"]
NON_IDEMPOTENT = ["POST", "PATCH"]
ALL_METHODS = IDEMPOTENT + NON_IDEMPOTENT


def test_success_path_never_enters_the_retry_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object) -> Response:
        raise AssertionError("the retry loop was entered on success")

    monkeypatch.setattr(RetryLoop, "run", fail)
    for status in (200, 201, 204, 301, 400, 401, 404, 500):
        result, script, _ = run("POST", status, call=CallState(raise_for_status=False))
        assert isinstance(result, Response) and result.status_code == status
        assert script.calls == 1


def test_a_failed_renewal_is_retried_since_nothing_was_applied() -> None:
    refresh_failed = TokenRefreshError("renewing the token failed")
    result, script, _ = run("POST", refresh_failed, 201)
    assert isinstance(result, Response) and result.status_code == 201 and script.calls == 2


def test_other_errors_pass_through_untouched() -> None:
    bug = ValueError("not a network error")
    result, script, _ = run("GET", bug)
    assert result is bug and script.calls == 1


# -- nothing sent: any method ------------------------------------------------------------------


@pytest.mark.parametrize("method", ALL_METHODS)
@pytest.mark.parametrize("failure", [ConnectError, ConnectTimeout])
def test_nothing_sent_is_retried_for_every_method(
    method: str, failure: type[TransportError]
) -> None:
    result, script, _ = run(method, failure, failure, 201)
    assert isinstance(result, Response) and result.status_code == 201
    assert script.calls == 3


# -- sent, no answer: idempotent only ------------------------------------------------------------


@pytest.mark.parametrize("method", IDEMPOTENT)
@pytest.mark.parametrize("failure", [ConnectionDroppedError, ReadTimeout])
def test_sent_without_answer_is_retried_when_idempotent(
    method: str, failure: type[TransportError]
) -> None:
    result, script, _ = run(method, failure, 200)
    assert isinstance(result, Response) and result.status_code == 200
    assert script.calls == 2


@pytest.mark.parametrize("method", NON_IDEMPOTENT)
@pytest.mark.parametrize(
    ("failure", "raised", "also"),
    [
        (ConnectionDroppedError, DroppedOutcomeUnknownError, ConnectionDroppedError),
        (ReadTimeout, TimeoutOutcomeUnknownError, ReadTimeout),
    ],
)
def test_sent_without_answer_is_outcome_unknown_for_post_and_patch(
    method: str,
    failure: type[TransportError],
    raised: type[OutcomeUnknownError],
    also: type[TransportError],
) -> None:
    result, script, _ = run(method, failure, 200)
    assert script.calls == 1
    assert isinstance(result, raised) and isinstance(result, also)
    assert isinstance(result, OutcomeUnknownError) and isinstance(result, keystone.KeystoneError)
    message = str(result)
    assert f"{method} http://keystone.test/allocations/clusters/" in message
    assert "may or may not have processed it" in message
    assert "retry_non_idempotent=True" in message
    assert isinstance(result.__cause__, failure)
    assert result.request is not None and result.request.method == method
    assert result.attempts == 1 and result.elapsed is not None


@pytest.mark.parametrize("method", NON_IDEMPOTENT)
def test_post_and_patch_are_retried_when_the_caller_opted_in(method: str) -> None:
    policy = RetryPolicy(backoff_base=0.01, backoff_cap=0.05, retry_non_idempotent=True)
    result, script, _ = run(method, ConnectionDroppedError, ReadTimeout, 502, 201, policy=policy)
    assert isinstance(result, Response) and result.status_code == 201
    assert script.calls == 4


def test_a_request_marked_idempotent_is_retried_whatever_its_method() -> None:
    call = CallState("refresh", idempotent=True)
    result, script, _ = run("POST", ConnectionDroppedError, 504, 200, call=call)
    assert isinstance(result, Response) and script.calls == 3


def test_a_request_marked_not_idempotent_is_not_retried_after_sending() -> None:
    result, script, _ = run("GET", ReadTimeout, call=CallState(idempotent=False))
    assert isinstance(result, TimeoutOutcomeUnknownError) and script.calls == 1


def test_an_opted_in_post_whose_last_attempt_dropped_is_still_outcome_unknown() -> None:
    policy = RetryPolicy(max_attempts=2, backoff_base=0.01, retry_non_idempotent=True)
    result, script, _ = run("POST", 503, ConnectionDroppedError, policy=policy)
    assert isinstance(result, DroppedOutcomeUnknownError) and script.calls == 2
    assert result.attempts == 2
    assert result.last_response is not None and result.last_response.status_code == 503
    assert "attempt 2" in str(result)


# -- statuses -----------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ALL_METHODS)
@pytest.mark.parametrize(
    "refusal", [429, (429, {"Retry-After": "0"}), (503, {"Retry-After": "0"})], ids=str
)
def test_throttling_and_503_with_retry_after_are_retried_for_every_method(
    method: str, refusal: int | tuple[int, dict[str, str]]
) -> None:
    result, script, _ = run(method, refusal, refusal, 201)
    assert isinstance(result, Response) and result.status_code == 201
    assert script.calls == 3


@pytest.mark.parametrize("method", IDEMPOTENT)
@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_are_retried_when_idempotent(method: str, status: int) -> None:
    result, script, _ = run(method, status, 200)
    assert isinstance(result, Response) and result.status_code == 200
    assert script.calls == 2


@pytest.mark.parametrize("method", NON_IDEMPOTENT)
@pytest.mark.parametrize("status", [502, 503, 504])
def test_gateway_errors_are_raised_at_once_for_post_and_patch(method: str, status: int) -> None:
    result, script, _ = run(method, status, 201)
    assert script.calls == 1
    assert isinstance(result, ServerError) and result.status_code == status
    assert result.attempts == 1
    assert f"{method} is not idempotent" in str(result)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 405, 409, 500, 501])
def test_other_statuses_are_never_retried(status: int) -> None:
    result, script, _ = run("GET", status, 200, call=CallState(raise_for_status=False))
    assert isinstance(result, Response) and result.status_code == status
    assert script.calls == 1


def test_a_non_retryable_answer_after_retries_is_raised_with_the_attempts() -> None:
    result, script, _ = run("DELETE", 503, 404)
    assert script.calls == 2
    assert isinstance(result, keystone.NotFoundError)
    assert result.attempts == 2 and "attempt 2" in str(result)


def test_an_auth_error_during_a_retry_keeps_its_type_and_gets_the_attempts() -> None:
    ended = AuthenticationError.__new__(AuthenticationError)
    KeystoneError.__init__(ended, "session ended")
    result, script, _ = run("GET", 503, ended)
    assert result is ended and ended.attempts == 2 and script.calls == 2


# -- how long -----------------------------------------------------------------------------------


def test_waits_are_full_jitter_exponential_under_the_cap() -> None:
    policy = RetryPolicy(max_attempts=6, backoff_base=1.0, backoff_cap=4.0, deadline=None)
    ceilings = [1.0, 2.0, 4.0, 4.0, 4.0]
    seen: list[list[float]] = [[] for _ in ceilings]
    for _ in range(200):
        _, script, clock = run("GET", 503, 503, 503, 503, 503, 503, policy=policy)
        assert script.calls == 6 and len(clock.sleeps) == 5
        for index, wait in enumerate(clock.sleeps):
            seen[index].append(wait)
    for ceiling, waits in zip(ceilings, seen, strict=True):
        assert all(0 <= wait <= ceiling for wait in waits)
        assert max(waits) > ceiling * 0.75  # spread over the whole range, not a fixed delay
        assert min(waits) < ceiling * 0.25


def test_retry_after_seconds_is_the_wait() -> None:
    result, script, clock = run("POST", (429, {"Retry-After": "3"}), (503, {"Retry-After": "2"}))
    assert isinstance(result, Response) and script.calls == 3
    assert clock.sleeps == [3.0, 2.0]


def test_retry_after_http_date_is_the_wait() -> None:
    when = email.utils.formatdate(time.time() + 5, usegmt=True)
    _, script, clock = run("GET", (503, {"Retry-After": when}))
    assert script.calls == 2 and len(clock.sleeps) == 1
    assert 3.0 <= clock.sleeps[0] <= 5.0


def test_a_throttles_wait_past_the_deadline_is_waited_for_the_deadline_counts_none_of_it() -> None:
    """A throttle's wait is the server's time: the deadline (30 s) moves on by it."""
    call = CallState()
    result, script, clock = run("POST", (429, {"Retry-After": "60"}), 201, call=call)
    assert isinstance(result, Response) and result.status_code == 201
    assert script.calls == 2 and clock.sleeps == [60.0]
    assert call.throttle_waited == 60.0
    assert call.deadline is not None and call.deadline.left() > 29  # moved on by the wait


@pytest.mark.parametrize(
    ("status", "error"), [(429, ThrottledError), (503, ServerError)], ids=["429", "503"]
)
def test_a_retry_after_past_max_retry_after_raises_at_once(
    status: int, error: type[ThrottledError | ServerError]
) -> None:
    result, script, clock = run("POST", (status, {"Retry-After": "400"}), 201)
    assert script.calls == 1 and clock.sleeps == []
    assert isinstance(result, error)
    assert result.retry_after == 400.0
    assert result.attempts == 1
    assert result.last_response is not None and result.last_response.status_code == status
    message = str(result)
    assert "asked to wait 400 s" in message and "max_retry_after" in message


def test_a_503_retry_after_past_the_deadline_raises_at_once() -> None:
    """A server that is down says when to come back: within the call's deadline, or not."""
    result, script, clock = run("POST", (503, {"Retry-After": "60"}), 201)
    assert script.calls == 1 and clock.sleeps == []
    assert isinstance(result, ServerError) and result.retry_after == 60.0
    assert "asked to wait 60 s" in str(result) and "30 s deadline" in str(result)


def test_a_throttles_refusals_are_no_failed_attempts() -> None:
    refusal = (429, {"Retry-After": "5"})
    result, script, clock = run("GET", *[refusal] * 6, 200)
    assert isinstance(result, Response) and result.status_code == 200
    assert script.calls == 7 and clock.sleeps == [5.0] * 6  # four attempts would not do


def test_the_waits_for_a_throttle_are_bounded_in_all_by_max_retry_after() -> None:
    policy = RetryPolicy(max_retry_after=20, backoff_base=0.01, backoff_cap=0.05)
    refusal = (429, {"Retry-After": "8"})
    result, script, clock = run("GET", *[refusal] * 6, 200, policy=policy)
    assert isinstance(result, ThrottledError)
    assert clock.sleeps == [8.0, 8.0]  # a third wait would pass 20 s in all
    assert script.calls == 3
    assert "20 s in all, after 16 s waited already" in str(result)


def test_waits_never_run_past_the_deadline() -> None:
    policy = RetryPolicy(max_attempts=50, backoff_base=1.0, backoff_cap=4.0, deadline=10.0)
    for _ in range(50):
        result, script, clock = run("GET", *[503] * 60, policy=policy, cost=0.5)
        assert isinstance(result, ServerError)
        assert clock.monotonic() - 1000.0 <= 10.0 + 0.5  # the last attempt, then no wait
        assert result.attempts == script.calls < 50
        assert "deadline" in str(result)
        assert result.elapsed is not None and result.elapsed <= 10.5


def test_attempts_run_out() -> None:
    result, script, clock = run("PUT", 502, 503, 504, 502, 200)
    assert script.calls == 4 and len(clock.sleeps) == 3
    assert isinstance(result, ServerError) and result.status_code == 502
    assert result.attempts == 4 and result.elapsed is not None
    assert result.last_response is result.response
    assert "Gave up after 4 attempts" in str(result)


def test_transport_error_after_an_answer_carries_that_answer() -> None:
    result, script, _ = run("GET", 503, ConnectError, ConnectError, ConnectError)
    assert isinstance(result, ConnectError) and script.calls == 4
    assert result.attempts == 4
    assert result.last_response is not None and result.last_response.status_code == 503
    assert "Gave up after 4 attempts" in str(result)


def test_every_attempt_carries_the_calls_deadline() -> None:
    """The deadline travels to the transport, which bounds each attempt by what is left."""
    policy = RetryPolicy(max_attempts=3, backoff_base=0.01, backoff_cap=0.01, deadline=20.0)
    result, script, _ = run("GET", ReadTimeout, ReadTimeout, 200, policy=policy, cost=8.0)
    assert isinstance(result, Response) and script.calls == 3
    deadlines = {id(request.call.deadline) for request, _, _ in script.seen}
    assert len(deadlines) == 1  # one deadline for the whole call, not one per attempt
    deadline = script.seen[0][0].call.deadline
    assert isinstance(deadline, CallDeadline) and deadline.seconds == 20.0
    assert all(timeout is keystone.DEFAULT_TIMEOUT for _, _, timeout in script.seen)


def test_a_call_without_deadline_carries_none() -> None:
    _, script, _ = run("GET", 200, policy=RetryPolicy(deadline=None))
    assert script.seen[0][0].call.deadline is None


def test_retries_resend_the_same_bytes() -> None:
    _, script, _ = run("PUT", ConnectionDroppedError, 503, 502, 200)
    bodies = {body for _, body, _ in script.seen}
    assert bodies == {b'{"name":"c"}'} and script.calls == 4


# -- policies -----------------------------------------------------------------------------------


def test_disabled_policy_sends_once() -> None:
    result, script, clock = run("GET", 503, 200, policy=RetryPolicy.disabled())
    assert isinstance(result, ServerError) and script.calls == 1 and clock.sleeps == []
    assert "retries are disabled" in str(result)
    result, script, _ = run("GET", ConnectError, 200, policy=RetryPolicy.disabled())
    assert isinstance(result, ConnectError) and script.calls == 1


def test_a_call_can_carry_its_own_policy() -> None:
    call = CallState(retry=RetryPolicy(max_attempts=2, backoff_base=0.01))
    result, script, _ = run("GET", 503, 503, 503, call=call)
    assert isinstance(result, ServerError) and result.attempts == 2 and script.calls == 2
    result, script, _ = run("GET", 503, 503, 503, 503, 503, call=CallState(retry=None))
    assert isinstance(result, ServerError) and result.attempts == 4


def test_a_bad_per_call_policy_is_refused() -> None:
    transport = MockTransport(lambda request: Response(200, json={}))
    client = KeystoneClient("http://keystone.test", transport=transport)
    with pytest.raises(TypeError, match="retry=3 is not a RetryPolicy"):
        client.http_get("x", retry=3)  # type: ignore[arg-type]
    assert transport.requests == []
    with pytest.raises(TypeError, match="is not a RetryPolicy"):
        BackoffMiddleware({"max_attempts": 2})  # type: ignore[arg-type]


def test_each_retry_is_logged_with_attempt_and_reason(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="keystone.backoff")
    run("GET", (429, {"Retry-After": "1"}), ConnectError, ReadTimeout, 200)
    records = [r for r in caplog.records if r.name == "keystone.backoff"]
    assert [r.levelno for r in records] == [logging.INFO, logging.WARNING, logging.WARNING]
    messages = [r.getMessage() for r in records]
    assert "GET http://keystone.test/allocations/clusters/: 429 Too Many" in messages[0]
    assert "Retry-After 1 s; sent again when the throttle lets it" in messages[0]
    # The throttle's "later" is no failed attempt: the failures are numbered on their own.
    assert "attempt 1 of 4 failed (ConnectError, nothing was sent)" in messages[1]
    assert "attempt 2 of 4 failed (ReadTimeout, sent, no answer)" in messages[2]


def test_the_middleware_is_safe_to_share() -> None:
    middleware = BackoffMiddleware()
    assert middleware.name == "backoff"
    assert "RetryPolicy(max_attempts=4" in repr(middleware)
    request = Request("GET", "http://keystone.test/x/")
    assert middleware(request, Script(200)).status_code == 200


def test_the_attempt_number_is_on_the_call_state() -> None:
    seen_attempts: list[object] = []
    script = Script(503, 503, 200)

    def next_handler(request: Request) -> Response:
        seen_attempts.append(request.call.attempt)
        return script(request)

    request = Request("GET", "http://keystone.test/x/")
    middleware = BackoffMiddleware(RetryPolicy(backoff_base=0.001, backoff_cap=0.001))
    assert middleware(request, next_handler).status_code == 200
    assert seen_attempts == [1, 2, 3]
    assert request.call.attempt == 3 and request.call.elapsed is not None
    request = Request("GET", "http://keystone.test/x/")
    middleware(request, Script(200))
    assert request.call.attempt == 1 and request.call.elapsed is None


def test_the_message_counts_failed_attempts_and_refusals_apart() -> None:
    refusal = (429, {"Retry-After": "1"})
    result, script, _ = run("GET", *[refusal] * 3, 502, 502, 502, 502)
    assert isinstance(result, ServerError) and script.calls == 7
    assert result.attempts == 7  # sent seven times
    assert "Gave up after 4 attempts and 3 refusals by the throttle" in str(result)
    assert "(at most 4 attempts" in str(result)
