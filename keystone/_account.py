"""The client's account on its server: logging in and out, and which Keystone it is.

A part of :class:`~keystone.KeystoneClient`. What to send is the auth strategy's business (its
login and logout flows); this module runs those flows through the client's whole chain, each
request completed by the core as one it built. Which release the server is, the core finds out
once (:meth:`keystone._core.Core.server_for`).
"""

from __future__ import annotations

import logging

from keystone._core import Call, Core, UsesCore
from keystone._detection import redirect_note
from keystone._errors import KeystoneError, UnexpectedResponseError, shown_url
from keystone._http_errors import NotFoundError
from keystone._operations.records import is_missing_record
from keystone._request import Request
from keystone._response import Response
from keystone._retry_policy import RetryPolicy
from keystone._servers import Server
from keystone._timeouts import DEFAULT_TIMEOUT, TimeoutLike
from keystone.auth import AuthStrategy
from keystone.auth._base import AuthFlow, run_flow

logger = logging.getLogger("keystone.auth")


class Account(UsesCore):
    """``server``, ``login``, ``logout``, ``is_authenticated`` and ``api_version``."""

    @property
    def is_authenticated(self) -> bool:
        """Whether the client holds a session that has not expired (checked locally, no request)."""
        return bool(self._core.auth.is_authenticated)

    @property
    def server(self) -> Server:
        """Which Keystone the server is: its release, and what that release does.

        Given as ``server=`` or found out on first use (``GET version/``, and where that does
        not name a release the client knows, ``GET authentication/whoami/`` and a few
        ``HEAD`` requests: see docs/compatibility.md), once in the client's life, by
        whichever thread needs it first.
        """
        return self._core.begin("client.server").server()

    @property
    def api_version(self) -> str:
        """The server's version string (``GET version/``), fetched on first use and then kept.

        Threads that ask at the same time share one request. A failed fetch is not kept: the
        next access tries again.
        """
        return self._core.api_version()

    def login(
        self,
        username: str,
        password: str,
        timeout: TimeoutLike = DEFAULT_TIMEOUT,
        *,
        retry: RetryPolicy | None = None,
    ) -> None:
        """Log in and keep what the server gives back (the password is not kept).

        Raises :class:`~keystone.AuthenticationError` with the server's detail for bad
        credentials and :class:`~keystone.ValidationError` for a missing field. A second login
        replaces the session; a failed one leaves the client logged out. ``retry`` is the
        retry policy of its requests (``None``: the client's).
        """
        for name, value in (("username", username), ("password", password)):
            if not isinstance(value, str):
                raise TypeError(f"login: {name} must be a str, not {type(value).__name__}")
        core = self._core
        call = core.begin("login", timeout, retry)
        auth = core.auth
        if type(auth).login_flow is AuthStrategy.login_flow:  # a strategy without one
            next(auth.login_flow(username, password))  # refused before anything is sent
        server = call.server()  # then log in as it does
        try:
            run_account_flow(core, auth.login_flow(username, password), call)
        except NotFoundError as error:
            if is_missing_record(error.response):  # the API's own 404: its words say why
                raise
            raise UnexpectedResponseError(
                f"login: {error.request.method if error.request else 'POST'} "
                f"{shown_url(error.response.url, error.request)} answered 404 with a web page: "
                f"there is no login there, as {server.describe} would have one. The URL is "
                "probably not the API root (check it; include the path the API is under, e.g. "
                "https://host/api), or the server is not the release the client took it for "
                f"({server}): give it with KeystoneClient(url, server='<release>').",
                response=error.response,
            ) from None

    def logout(
        self,
        raise_blacklist: bool = False,
        timeout: TimeoutLike = DEFAULT_TIMEOUT,
        *,
        retry: RetryPolicy | None = None,
    ) -> None:
        """End the session on the server and forget it here, whatever the server answers.

        The local session ends even when the server refuses (e.g. the refresh token already
        expired); that refusal is raised only with ``raise_blacklist=True``. Logging out when
        not logged in does nothing. ``retry`` is as for :meth:`login`.
        """
        core = self._core
        call = core.begin("logout", timeout, retry)
        try:
            run_account_flow(core, core.auth.logout_flow(), call)
        except KeystoneError as exc:
            if raise_blacklist:
                raise
            logger.warning("logged out locally; the server did not end the session: %s", exc)


def run_account_flow(core: Core, flow: AuthFlow, call: Call) -> None:
    """Run a login or logout ``flow`` as ``call``: each request through the whole chain, user
    middleware included; a redirect is an error (a login or logout is never redirected)."""

    def send(request: Request) -> Response:
        response = core.handler(core.prepare(request, call))
        if 300 <= response.status_code < 400:
            raise UnexpectedResponseError(
                f"{request.method} {shown_url(response.url, request)} answered "
                f"{response.status_code}{redirect_note(response, core.redactor)}.",
                response=response,
            )
        return response

    run_flow(flow, send)
