"""The exception hierarchy: everything the client raises derives from :class:`KeystoneError`.

HTTP errors (:mod:`keystone._http_errors`) carry the :class:`~keystone.Response` and the
:class:`~keystone.Request`; transport errors carry the request. Each message names the method
and URL, says what happened and what to do next, and never contains a credential: the
requests errors keep are redacted copies, and quoted bodies pass through the redactor. Every
error pickles with its type, message and attributes, so it can come back from a worker
process.
"""

from __future__ import annotations

import json
from typing import Any

from keystone._answer import Answer
from keystone._redaction import DEFAULT_REDACTOR
from keystone._request import CallState, Request
from keystone._servers import Server


class KeystoneError(Exception):
    """Root of every error raised by the Keystone client.

    When the backoff layer retried a call, ``attempts`` says how many times the request was
    sent, ``elapsed`` how many seconds the whole call took (waits included) and
    ``last_response`` the last HTTP response received, if any. Errors raised without retrying
    keep the defaults: one attempt, ``elapsed`` unknown (``None``).
    """

    attempts: int = 1
    elapsed: float | None = None
    last_response: Answer | None = None
    #: For an error that stopped the reading of a list: how many of its records had been
    #: delivered (``retrieve_*`` returns none of them; ``iter_*`` had yielded them).
    records_delivered: int | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle by state, not by calling ``__init__`` (whose arguments are keyword-only).

        The answers an error keeps go without their secrets (:meth:`Response.without_secrets`),
        and so does the body a :class:`ResponseDecodeError` keeps as ``doc``.
        """
        state = dict(self.__dict__)
        for name in ("response", "last_response"):
            hide = getattr(state.get(name), "without_secrets", None)
            if hide is not None:
                state[name] = hide()
        if isinstance(state.get("doc"), str):
            request = getattr(getattr(self, "response", None), "request", None)
            redactor = DEFAULT_REDACTOR if request is None else request.call.redactor
            state["doc"] = redactor.text(state["doc"])
        return (_rebuild, (type(self), self.args), state)


def _rebuild(cls: type[BaseException], args: tuple[Any, ...]) -> BaseException:
    error = cls.__new__(cls)
    error.args = args
    return error


def detach(request: Request | None) -> Request | None:
    """The copy of ``request`` an error keeps: the live one may still carry credentials."""
    return None if request is None else request.redacted()


def shown_url(url: str, request: Request | None = None) -> str:
    """``url`` as messages show it: credentials and secret query parameters hidden.

    The redactor is the one of ``request``'s call (the client's, with its ``redact_fields``)
    when there is a request, else the default one.
    """
    return (DEFAULT_REDACTOR if request is None else request.call.redactor).url(url)


def annotate(error: KeystoneError, call: CallState, last: Answer | None = None) -> None:
    """Give ``error`` what the call's retries left: attempts, elapsed time, why it stopped."""
    if call.attempt > 1 or call.elapsed is not None:
        error.attempts = call.attempt
        error.elapsed = call.elapsed
    if error.last_response is None and last is not None:
        last.request = detach(last.request)
        error.last_response = last
    if call.retry_note:
        message = error.args[0] if error.args else ""
        error.args = (f"{message} {call.retry_note}".strip(), *error.args[1:])


# -- the network ----------------------------------------------------------------------------


class TransportError(KeystoneError):
    """The request could not be completed at the network level.

    ``request_sent`` says whether any byte of the request may have reached the server: when it
    is ``False`` repeating the request is always safe.
    """

    request_sent = True

    def __init__(self, message: str, *, request: Request | None = None) -> None:
        super().__init__(message)
        self.request = detach(request)


class LowerLevelError(Exception):
    """What a lower layer (urllib3, the socket) raised: its type and text, secrets hidden.

    The ``__cause__`` of a :class:`TransportError`. The original exception is not kept, as it
    may hold what must not travel with the error when it is pickled (the request's URL, with
    its secret parameters); its traceback is.
    """


class ConnectError(TransportError):
    """No connection could be made (refused, DNS failure, TLS handshake): nothing was sent."""

    request_sent = False


class ProxyError(ConnectError):
    """The proxy refused to forward the request (e.g. ``407 Proxy Authentication Required``):
    nothing reached the server, and trying again would be refused the same way. Not retried:
    the proxy's credentials or its rules must change (the message names the proxy, without
    its password, and the setting it came from)."""


class ThrottleWaitError(KeystoneError):
    """A request was not sent: the throttle would hold it longer than the call may wait.

    The server asked the client to wait (its last ``Retry-After``), or ``rate_limit=`` spaces
    the requests out, for longer than the call has left to wait for throttles (its
    policy's ``max_retry_after``, for all its waits together) or than its batch has left
    before its deadline. Nothing was sent; ``retry_after`` is the seconds until it could go.
    """

    request_sent = False

    def __init__(self, message: str, *, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TLSError(ConnectError):
    """No secure connection could be made, and trying again would fail the same way.

    The server does not speak TLS where the ``https://`` URL points (a plain-HTTP port), or
    its certificate is not trusted or not for that host name. Nothing was sent, and the call
    is not retried: the URL, the port or the trusted certificates (``verify=``) must change.
    """


class TransportTimeout(TransportError):
    """The server did not answer in time (formerly ``keystone.TimeoutError``)."""


#: The old name of :class:`TransportTimeout`, which shadowed the builtin ``TimeoutError``.
TimeoutError = TransportTimeout


class ConnectTimeout(TransportTimeout, ConnectError):
    """Connecting took longer than the connect timeout: nothing was sent."""

    request_sent = False


class DeadlineExceededError(TransportTimeout):
    """The call's deadline passed before the request could be sent: nothing was sent."""

    request_sent = False


class ReadTimeout(TransportTimeout):
    """The request was sent but no complete response arrived within the read timeout."""


class ConnectionDroppedError(TransportError):
    """The connection closed after the request was sent and before a complete response."""


class OutcomeUnknownError(TransportError):
    """A POST or PATCH was sent but no answer came back: it may or may not have been applied.

    The backoff layer raises it instead of sending a non-idempotent request again (which could
    create a record twice). Check on the server whether the change happened before repeating
    it. The concrete error is also a :class:`ConnectionDroppedError` or a :class:`ReadTimeout`,
    so code that catches those keeps working; ``__cause__`` is the original error.
    """


class DroppedOutcomeUnknownError(OutcomeUnknownError, ConnectionDroppedError):
    """The connection closed after a POST or PATCH was sent, before any answer."""


class TimeoutOutcomeUnknownError(OutcomeUnknownError, ReadTimeout):
    """A POST or PATCH was sent and no answer came within the read timeout."""


# -- answers that are not the API's ---------------------------------------------------------


class UnexpectedResponseError(KeystoneError):
    """The server answered, but not as the Keystone API does: not JSON, or the wrong shape.

    For example an HTML page with a 200 (a proxy's login page, a wrong base URL), a list where
    one record was expected, or a redirect. ``response`` is the response concerned.
    """

    def __init__(self, message: str, *, response: Answer | None = None) -> None:
        super().__init__(message)
        self.response = response
        if response is not None:
            response.request = detach(response.request)


class AnsweredOutcomeUnknownError(OutcomeUnknownError, UnexpectedResponseError):
    """A POST or PATCH was answered with a success status, but not in a form that says what
    was done (a body that is no record, a job's results that do not match its steps).

    The change was probably applied; which records it made cannot be read from the answer.
    ``response`` is the answer; look on the server before sending it again.
    """

    def __init__(self, message: str, *, response: Answer, request: Request | None = None) -> None:
        super().__init__(message, request=request)
        self.response = response
        response.request = detach(response.request)


class ResponseDecodeError(UnexpectedResponseError, json.JSONDecodeError):
    """A response body that should be JSON is not; the message shows a snippet of it.

    It is a :class:`json.JSONDecodeError`, so code written for ``requests`` keeps working, and an
    :class:`UnexpectedResponseError`, like every answer that is not the API's.
    """

    def __init__(self, message: str, doc: str, pos: int, *, response: Answer | None = None):
        json.JSONDecodeError.__init__(self, message, doc, pos)
        self.response = response
        if response is not None:
            response.request = detach(response.request)


class UnsupportedError(KeystoneError):
    """The connected Keystone release lacks what was asked, so nothing was sent.

    For example ``retrieve_team`` on a Keystone 0.3.x or 0.4.x server (which have research
    groups instead), ``search=`` where the release cannot search, an API token on a release
    before 0.6.4, or ``delete_notification`` where notifications can only be read and marked
    read. ``server`` is what the client knows of the server (a :class:`~keystone.Server`),
    ``generation`` its :class:`~keystone.Generation`.
    """

    request_sent = False

    def __init__(self, message: str, *, server: Server) -> None:
        super().__init__(message)
        self.server = server
        self.generation = server.generation


class PaginationError(KeystoneError):
    """Reading a list stopped before its end, rather than return it incomplete.

    A next-page link was not followed (it leaves the API, or leads back to a page read: nothing
    was sent to its address), the collection changed too much under a parallel walk, or a page
    of a paged list came without saying whether more follow. ``records_delivered`` says how
    many records had been handed out.
    """


class TokenRefreshError(KeystoneError):
    """The access token needed renewing and the renewal failed for a transient reason.

    The request that needed the token was not sent; it is safe to try it again.
    """

    request_sent = False


# -- batches --------------------------------------------------------------------------------


class BatchError(KeystoneError):
    """Some items of a batch failed; ``failed`` lists ``(index, error)`` pairs."""

    def __init__(self, message: str, *, failed: list[tuple[int, BaseException]]) -> None:
        super().__init__(message)
        self.failed = failed


class BatchNotStartedError(KeystoneError):
    """A batch item was never started: nothing was sent for it, so running it again is safe.

    For example, the executor broke (a worker process died) or was shut down before the
    item's chunk could be handed to it.
    """

    request_sent = False


class BatchDeadlineError(BatchNotStartedError):
    """A batch item was never started because the batch's deadline passed first."""


class WorkerLostError(KeystoneError):
    """A batch item's outcome was lost with the worker running it: it may or may not have run.

    The worker process died (killed, out of memory) or the executor broke while the item's
    chunk was running or waiting in it; or a distributed executor (Dask) started the chunk
    again on another worker after the first one died, which the client does not let run, so
    that no request is sent twice behind the caller's back. Look on the server before
    running the item again. ``__cause__`` is the executor's error, when there is one.
    """

    request_sent = True


class ResultTransferError(KeystoneError):
    """A batch item ran in another process, but what it returned or raised could not come back.

    Values and exceptions travel back by pickle; one that does not pickle (a lock, a socket,
    an exception whose ``__init__`` takes other arguments than it gives ``super()``) is
    replaced by this error, for that item only. The item did run: whatever it sent happened.
    """
