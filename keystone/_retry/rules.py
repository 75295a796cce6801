"""Which failed attempts may be sent again, and why each rule is safe.

- Nothing was sent (connection refused, DNS failure, a TLS handshake cut short, a connection
  reset before the first byte went out): any method, since the server cannot have seen the
  request. Not a ``TLSError``: a port that does not speak TLS, or a certificate the client
  does not accept, fails the same way every time; nor a ``ProxyError``, a proxy's refusal
  (407), which repeats until its credentials or rules change.
- 429, and 503 with ``Retry-After``: any method; the server refused the request before
  processing it and said when to come back. So is an answer the call reads as a throttle
  (``request.call.throttled``): an atomic job whose step was throttled was rolled back whole.
- A renewal of the credentials that failed for a transient reason (``TokenRefreshError``):
  any method, since the request that needed them was refused (401) or not sent at all.
- Sent but unanswered (connection dropped, read timeout), 502, 503 without ``Retry-After``,
  504: only idempotent methods, for which a second application changes nothing. For POST and
  PATCH the server may already have applied the request, so it is sent again only when the
  policy's ``retry_non_idempotent`` says the caller accepts a possible duplicate.
"""

from __future__ import annotations

from keystone._errors import (
    ConnectionDroppedError,
    DroppedOutcomeUnknownError,
    KeystoneError,
    OutcomeUnknownError,
    ProxyError,
    ReadTimeout,
    TimeoutOutcomeUnknownError,
    TLSError,
    TokenRefreshError,
    TransportError,
    shown_url,
)
from keystone._request import Request
from keystone._response import Response
from keystone._retry_after import parse_retry_after
from keystone._retry_policy import RetryPolicy

#: Methods whose repetition has the same effect as one call (RFC 9110 9.2.2).
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})

#: Statuses that can be worth another attempt; :func:`response_is_retryable` decides.
RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})

#: Statuses whose ``Retry-After`` means "refused before processing, come back then".
_REFUSED_STATUSES = frozenset({429, 503})


def is_idempotent(request: Request) -> bool:
    """Whether sending ``request`` twice is as good as once.

    ``request.call.idempotent`` (``True``/``False``) overrides the method's rule, e.g. for a
    login, which is a POST that is safe to repeat.
    """
    flag = request.call.idempotent
    if flag is not None:
        return flag
    return request.method.upper() in IDEMPOTENT_METHODS


def throttled_for(request: Request, response: Response) -> float | None:
    """The wait of an answer the call says means "throttled" although it is no 429.

    ``None`` when the call has no such rule (``request.call.throttled``) or the answer is not
    one; else the seconds to wait, 0 when the answer does not say.
    """
    rule = request.call.throttled
    return None if rule is None else rule(response.status_code, response.content)


def retry_after_of(response: Response, request: Request | None = None) -> float | None:
    """The server's ``Retry-After`` in seconds for a 429 or 503, else ``None``.

    With ``request``, an answer its call reads as a throttle gives that throttle's wait.
    """
    if request is not None:
        wait = throttled_for(request, response)
        if wait is not None:
            return wait or None
    if response.status_code not in _REFUSED_STATUSES:
        return None
    return parse_retry_after(response.headers.get("Retry-After"))


def throttle_wait(response: Response, request: Request) -> float | None:
    """The seconds a throttle asked the client to wait: a 429's ``Retry-After``, or what an
    answer the call reads as a throttle says (an atomic job's throttled step); ``None`` when
    the answer is no throttle or gives no wait.

    A 503's ``Retry-After`` is not one: a server that is down says when to come back, and the
    call's own retries wait for it (within its deadline).
    """
    if response.status_code == 429 or throttled_for(request, response) is not None:
        return retry_after_of(response, request) or None
    return None


def response_is_retryable(policy: RetryPolicy, request: Request, response: Response) -> bool:
    """Whether an attempt that got ``response`` may be sent again under ``policy``."""
    status = response.status_code
    if status not in RETRYABLE_STATUSES:
        return throttled_for(request, response) is not None  # refused for now: like a 429
    if status == 429 or retry_after_of(response) is not None:
        return True
    return policy.retry_non_idempotent or is_idempotent(request)


def error_is_retryable(policy: RetryPolicy, request: Request, error: BaseException) -> bool:
    """Whether an attempt that raised ``error`` may be sent again under ``policy``."""
    if isinstance(error, TokenRefreshError):
        return True
    if not isinstance(error, TransportError) or isinstance(
        error, (OutcomeUnknownError, TLSError, ProxyError)
    ):
        return False
    if not error.request_sent:
        return True
    return policy.retry_non_idempotent or is_idempotent(request)


def outcome_unknown(request: Request, error: KeystoneError) -> OutcomeUnknownError | None:
    """The error to raise instead of ``error`` when a non-idempotent request went unanswered.

    ``None`` when ``error`` does not leave the outcome in doubt (nothing was sent, an HTTP
    answer came, or the method is idempotent).
    """
    if (
        not isinstance(error, TransportError)
        or isinstance(error, OutcomeUnknownError)
        or not error.request_sent
        or is_idempotent(request)
    ):
        return None
    what = "no answer came within the read timeout"
    deadline = request.call.deadline
    if deadline is not None and deadline.left() <= 0.05:  # the deadline cut the read short
        what = f"no answer came before the call's {deadline.seconds:g} s deadline"
    cls: type[OutcomeUnknownError] = TimeoutOutcomeUnknownError
    if not isinstance(error, ReadTimeout):
        cls = DroppedOutcomeUnknownError
        what = "the connection closed before an answer"
        if not isinstance(error, ConnectionDroppedError):
            what = f"it failed after sending ({error})"
    where = f"{request.method} {shown_url(request.url, request)}"
    return cls(
        f"{where} was sent but {what}, so the server may or "
        f"may not have processed it. It was not sent again because {request.method} is not "
        "idempotent and a second one could apply the change twice. Check on the server whether "
        "it happened before repeating it, or pass retry=RetryPolicy(retry_non_idempotent=True) "
        "if repeating this request is harmless.",
        request=request,
    )
