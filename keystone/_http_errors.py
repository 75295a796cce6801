"""The errors of HTTP statuses: 4xx and 5xx answers, by meaning, and the one function that
turns a final answer into its error (:func:`error_for_response`).
"""

from __future__ import annotations

from typing import Any

from keystone._answer import Answer
from keystone._bodies import describe_body, json_or_none
from keystone._errors import KeystoneError, annotate, detach, shown_url
from keystone._request import Request
from keystone._retry_after import parse_retry_after


class HTTPError(KeystoneError):
    """The server answered with a 4xx or 5xx status."""

    hint = "See the server's detail above."

    def __init__(
        self,
        message: str | None = None,
        *,
        response: Answer,
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
        url = shown_url(response.url, self.request)
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
        body = json_or_none(self.response)
        if isinstance(body, dict):
            return body
        if isinstance(body, list):
            return {"non_field_errors": body}
        return {}


#: Another name for :class:`ValidationError` (a 400 Bad Request).
BadRequestError = ValidationError


class AuthenticationError(ClientError):
    """401 (or 403 "Authentication credentials were not provided." from Keystone 0.4.0 to
    0.6.3): credentials missing, wrong, or no longer valid."""

    hint = "Log in again with client.login(username, password), or check the client's API token."


class SessionExpiredError(AuthenticationError):
    """The session ended on the server (refresh token refused, session forgotten).

    The client has forgotten the session; ``is_authenticated`` is now ``False``.
    """


class PermissionDeniedError(ClientError):
    """403: the account is authenticated but not allowed to do this."""

    hint = "Use an account with the required role (staff, or an owner or admin of the team)."


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
        response: Answer,
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


class JobError(ClientError):
    """An atomic job (``client.atomic()``, the server's ``batch/``) failed; nothing was kept.

    The server runs a job's steps in one transaction: when one fails, it rolls the whole job
    back and answers 422 naming the step. ``step`` is that step's number (from 1), ``method``
    and ``path`` its request, ``status`` its HTTP status and ``body`` its answer (for a 400,
    the field errors, also on ``errors``); ``token`` is the ``@ref``/``@file`` the server could
    not resolve, when that was the failure. ``committed`` is ``False``: nothing of the job was
    kept (with ``split=``, the parts before this one were: see ``results``).
    """

    hint = "Nothing was committed: correct the step and send the job again."
    committed = False

    def __init__(
        self,
        message: str,
        *,
        response: Answer,
        step: int | None = None,
        method: str | None = None,
        path: str | None = None,
        status: int | None = None,
        body: Any = None,
        token: str | None = None,
        request: Request | None = None,
    ) -> None:
        self.step, self.method, self.path, self.status = step, method, path, status
        self.body, self.token = body, token
        self.results: list[Any] = []
        """With ``split=``: the results of the parts committed before this one."""
        super().__init__(message, response=response, request=request)

    @property
    def errors(self) -> dict[str, Any]:
        """The failing step's field errors (``{"title": ["This field is required."]}``)."""
        body = self.body
        if isinstance(body, dict):
            return body
        if isinstance(body, list):
            return {"non_field_errors": body}
        return {}


class JobThrottledError(JobError, ThrottledError):
    """An atomic job's step was throttled (every step counts against the user's rate).

    The server rolled the job back, so it is safe to send again after ``retry_after`` seconds;
    the client's retry policy does so by itself when that wait is within its limits.
    """

    hint = "Nothing was committed; send the job again after the wait, or make it smaller."


_BY_STATUS: dict[int, type[HTTPError]] = {
    400: ValidationError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    405: MethodNotAllowedError,
    429: ThrottledError,
}


#: DRF's words for a request without credentials; Keystone 0.4.0 to 0.6.3 answer them with 403.
NOT_AUTHENTICATED = "Authentication credentials were not provided."


def is_not_logged_in(response: Answer) -> bool:
    """Whether a 401 or 403 says that the request carried no credentials the server knows."""
    if response.status_code == 401:
        return True
    if response.status_code != 403:
        return False
    body = json_or_none(response)
    return isinstance(body, dict) and body.get("detail") == NOT_AUTHENTICATED


def error_for_response(response: Answer) -> HTTPError:
    """The typed error for a final 4xx/5xx answer: the one place a status becomes an error.

    "Not logged in" is an :class:`AuthenticationError` whichever status the release chose
    (401, or 403 before Keystone 0.6.4). The error carries what the call's retries left on its
    state (attempts, elapsed time and why the request was not sent again).
    """
    status = response.status_code
    cls = _BY_STATUS.get(status) or (ServerError if status >= 500 else ClientError)
    if status == 403 and is_not_logged_in(response):
        cls = AuthenticationError
    request = response.request
    error = cls(response=response)
    if request is not None:
        annotate(error, request.call)
    return error
