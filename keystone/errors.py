"""The exception hierarchy: everything the client raises derives from :class:`KeystoneError`.

HTTP errors carry the :class:`~keystone.response.Response` and the
:class:`~keystone.request.Request`; transport errors carry the request. Each message names the
method and URL, says what happened and what to do next, and never contains a credential.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from keystone.redaction import DEFAULT_REDACTOR
from keystone.retry_after import parse_retry_after

if TYPE_CHECKING:
    from keystone.request import Request
    from keystone.response import Response

SNIPPET_LENGTH = 200


class KeystoneError(Exception):
    """Root of every error raised by the Keystone client.

    When the backoff layer gave up on a call, ``attempts`` says how many times the request was
    sent, ``elapsed`` how many seconds the whole call took (waits included) and
    ``last_response`` the last HTTP response received, if any. Errors raised without retrying
    keep the defaults: one attempt, ``elapsed`` unknown (``None``).
    """

    attempts: int = 1
    elapsed: float | None = None
    last_response: Response | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle by state, not by calling ``__init__`` (whose arguments are keyword-only).

        A worker process's error then reaches the parent with its type, message and every
        attribute (``response``, ``errors``, ``retry_after``, ``attempts``...); the requests
        it holds pickle without credentials (see :meth:`keystone.Request.redacted`).
        """
        return (_rebuild, (type(self), self.args), self.__dict__)


def _rebuild(cls: type[BaseException], args: tuple[Any, ...]) -> BaseException:
    error = cls.__new__(cls)
    error.args = args
    return error


def detach(request: Request | None) -> Request | None:
    """The copy of ``request`` an error keeps: the live one may still carry credentials."""
    return None if request is None else request.redacted()


def shown_url(url: str) -> str:
    """``url`` as messages show it: credentials and secret query parameters hidden."""
    return DEFAULT_REDACTOR.url(url)


class TransportError(KeystoneError):
    """The request could not be completed at the network level.

    ``request_sent`` says whether any byte of the request may have reached the server: when it
    is ``False`` repeating the request is always safe.
    """

    request_sent = True

    def __init__(self, message: str, *, request: Request | None = None) -> None:
        super().__init__(message)
        self.request = detach(request)


class ConnectError(TransportError):
    """No connection could be made (refused, DNS failure, TLS handshake): nothing was sent."""

    request_sent = False


class TimeoutError(TransportError):
    """The server did not answer in time."""


class ConnectTimeout(TimeoutError, ConnectError):
    """Connecting took longer than the connect timeout: nothing was sent."""

    request_sent = False


class ReadTimeout(TimeoutError):
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


class UnexpectedResponseError(KeystoneError):
    """The server answered, but not as the Keystone API does: not JSON, or the wrong shape.

    For example an HTML page with a 200 (a proxy's login page, a wrong base URL), a list where
    one record was expected, or a redirect. ``response`` is the response concerned.
    """

    def __init__(self, message: str, *, response: Response | None = None) -> None:
        super().__init__(message)
        self.response = response
        if response is not None:
            response.request = detach(response.request)


class ResponseDecodeError(UnexpectedResponseError, json.JSONDecodeError):
    """A response body that should be JSON is not; the message shows a snippet of it.

    It is a :class:`json.JSONDecodeError`, so code written for ``requests`` keeps working, and an
    :class:`UnexpectedResponseError`, like every answer that is not the API's.
    """

    def __init__(self, message: str, doc: str, pos: int, *, response: Response | None = None):
        json.JSONDecodeError.__init__(self, message, doc, pos)
        self.response = response
        if response is not None:
            response.request = detach(response.request)


class HTTPError(KeystoneError):
    """The server answered with a 4xx or 5xx status."""

    hint = "See the server's detail above."

    def __init__(
        self,
        message: str | None = None,
        *,
        response: Response,
        request: Request | None = None,
    ) -> None:
        self.response = response
        self.last_response = response
        self.request = detach(request if request is not None else response.request)
        response.request = self.request
        super().__init__(message if message is not None else self._describe())

    @property
    def status_code(self) -> int:
        """The HTTP status of the response."""
        return self.response.status_code

    @property
    def detail(self) -> str:
        """The server's explanation: DRF's ``detail``, field errors, or a body snippet."""
        return describe_body(self.response)

    def _describe(self) -> str:
        response = self.response
        url = shown_url(response.url)
        where = f"{self.request.method} {url}" if self.request else url
        reason = f" {response.reason}" if response.reason else ""
        detail = self.detail.rstrip()
        end = "" if detail.endswith((".", "!", "?")) else "."
        return f"{where} returned {response.status_code}{reason}: {detail}{end} {self.hint}"


class ClientError(HTTPError):
    """A 4xx status: the request was refused as sent."""

    hint = "Correct the request before sending it again."


class ValidationError(ClientError):
    """400: the server rejected the data; ``errors`` holds DRF's field errors."""

    hint = "Correct the fields named above and send the request again."

    @property
    def errors(self) -> dict[str, Any]:
        """Field name to list of messages (``{"name": ["This field is required."]}``)."""
        body = _json_or_none(self.response)
        if isinstance(body, dict):
            return body
        if isinstance(body, list):
            return {"non_field_errors": body}
        return {}


BadRequestError = ValidationError


class AuthenticationError(ClientError):
    """401: credentials missing, wrong, or no longer valid."""

    hint = "Log in again with client.login(username, password)."


class SessionExpiredError(AuthenticationError):
    """The refresh token was refused (expired, blacklisted, or the server's key changed).

    The client has forgotten the session; ``is_authenticated`` is now ``False``.
    """


class TokenRefreshError(KeystoneError):
    """The access token needed renewing and the renewal failed for a transient reason.

    The request that needed the token was not sent; it is safe to try it again.
    """

    request_sent = False


class PermissionDeniedError(ClientError):
    """403: the account is authenticated but not allowed to do this."""

    hint = "Use an account with the required role (staff, or the research group's PI/admin)."


class NotFoundError(ClientError):
    """404: no such record or endpoint."""

    hint = "Check the record id and the endpoint path."


class MethodNotAllowedError(ClientError):
    """405: the endpoint exists but does not accept this method."""

    hint = "Check which operations this endpoint supports (read-only endpoints refuse writes)."


class _RetryAfter(HTTPError):
    """An HTTP error whose response may say when to try again (``Retry-After``)."""

    def __init__(
        self,
        message: str | None = None,
        *,
        response: Response,
        request: Request | None = None,
        retry_after: float | None = None,
    ) -> None:
        if retry_after is None:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
        self.retry_after = retry_after
        super().__init__(message, response=response, request=request)


class ThrottledError(_RetryAfter, ClientError):
    """429: too many requests; ``retry_after`` is the server's wait in seconds, if it gave one."""

    hint = "Slow down, or wait before sending more requests."


class ServerError(_RetryAfter):
    """5xx: the server failed to handle a request it accepted.

    ``retry_after`` is the server's ``Retry-After`` in seconds (a 503 may send one), or ``None``.
    """

    hint = "The server failed; try again later or ask its administrator."


class BatchError(KeystoneError):
    """Some items of a batch failed; ``failed`` lists ``(index, error)`` pairs."""

    def __init__(self, message: str, *, failed: list[tuple[int, BaseException]]) -> None:
        super().__init__(message)
        self.failed = failed


class BatchDeadlineError(KeystoneError):
    """A batch item was never started because the batch's deadline passed first."""

    request_sent = False


_BY_STATUS: dict[int, type[HTTPError]] = {
    400: ValidationError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    405: MethodNotAllowedError,
    429: ThrottledError,
}


def error_class_for(status: int) -> type[HTTPError]:
    """The most specific :class:`HTTPError` subclass for an HTTP status of 400 or more."""
    cls = _BY_STATUS.get(status)
    if cls is not None:
        return cls
    return ServerError if status >= 500 else ClientError


def error_for_response(response: Response) -> HTTPError:
    """Build the typed error for a 4xx/5xx response."""
    return error_class_for(response.status_code)(response=response)


def _json_or_none(response: Response) -> Any:
    content_type = response.headers.get("Content-Type", "")
    if "json" not in content_type or not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None


def describe_body(response: Response) -> str:
    """A one-line summary of an error body: ``detail``, field errors, or a text snippet."""
    body = _json_or_none(response)
    if isinstance(body, dict):
        if isinstance(body.get("detail"), str) and len(body) <= 3:
            return str(body["detail"])
        return "; ".join(f"{key}: {_join_messages(value)}" for key, value in body.items())
    if isinstance(body, list):
        return _join_messages(body)
    text = response.content[:SNIPPET_LENGTH].decode("utf-8", "replace")
    text = " ".join(text.split())
    if not text:
        return "(empty body)"
    return text + ("..." if len(response.content) > SNIPPET_LENGTH else "")


def _join_messages(value: Any) -> str:
    if isinstance(value, list):
        return " ".join(str(item) for item in value)
    return str(value)
