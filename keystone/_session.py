"""The client's session with its server: which Keystone it is, logging in and out, who we are.

A mixin of :class:`~keystone.KeystoneClient`. What to send is the auth strategy's business (its
login and logout flows); this module runs those flows through the client's whole chain, and
finds out, once, which release of Keystone the server is (the flow of
:mod:`keystone._detection`).
"""

from __future__ import annotations

import logging
import time
from typing import Any

from keystone._detection import detection_flow, redirect_note
from keystone._errors import KeystoneError, UnexpectedResponseError, shown_url
from keystone._headers import Headers
from keystone._http_errors import NotFoundError
from keystone._locks import ForkSafeLock
from keystone._pipeline import Handler
from keystone._redaction import Redactor
from keystone._request import Request
from keystone._requester import RequesterBase
from keystone._response import Response
from keystone._retry.layer import BackoffMiddleware, given_policy
from keystone._retry.policy import RetryPolicy
from keystone._servers import Server
from keystone._timeouts import DEFAULT_TIMEOUT, CallDeadline, TimeoutLike, checked_timeout
from keystone.auth import AuthStrategy
from keystone.auth._base import run_flow
from keystone.resources._bodies import is_missing_record

logger = logging.getLogger("keystone.auth")


class Session(RequesterBase):
    """``server``, ``login``, ``logout``, ``is_authenticated`` and ``api_version``."""

    _auth: AuthStrategy
    _headers: Headers
    _handler: Handler
    _redactor: Redactor
    _server: Server | None
    _backoff: BackoffMiddleware
    _server_lock: ForkSafeLock
    _version: str | None
    _version_lock: ForkSafeLock

    @property
    def is_authenticated(self) -> bool:
        """Whether the client holds a session that has not expired (checked locally, no request)."""
        return bool(self._auth.is_authenticated)

    @property
    def server(self) -> Server:
        """Which Keystone the server is: its release, and what that release does.

        Given as ``server=`` or found out on first use (``GET version/``, and where that does
        not name a release the client knows, ``GET authentication/whoami/`` and a few
        ``HEAD`` requests: see docs/compatibility.md), once in the client's life, by
        whichever thread needs it first.
        """
        return self._server_for("client.server", DEFAULT_TIMEOUT, self._start_deadline())

    def _server_for(
        self,
        call: str,
        timeout: TimeoutLike,
        deadline: CallDeadline | None,
        retry: RetryPolicy | None = None,
    ) -> Server:
        """The server, found out within the limits of ``call`` (its timeout, deadline and retry
        policy) if it is not known yet: the requests a call triggers are part of that call."""
        server = self._server
        if server is None:
            with self._server_lock:
                if self._server is None:
                    self._set_server(self._detect(call, timeout, deadline, retry))
            server = self._server
            assert server is not None
        return server

    def _start_deadline(self, retry: RetryPolicy | None = None) -> CallDeadline | None:
        """The deadline of a call starting now, by its retry policy (``retry``, else the one
        of the batch it runs in, else the client's): set before the call's first request, so
        that finding out the server counts against it too."""
        seconds = self._backoff.policy_for(retry).deadline
        return None if seconds is None else CallDeadline(time.monotonic() + seconds, seconds)

    def _detect(
        self,
        call: str,
        timeout: TimeoutLike,
        deadline: CallDeadline | None,
        retry: RetryPolicy | None,
    ) -> Server:
        flow = detection_flow(self.url)
        try:
            probe = next(flow)
            while True:
                probe.call.deadline = deadline
                if retry is not None:
                    probe.call.retry = retry
                answer = self.request(probe.method, probe.url, timeout=timeout, call=probe.call)
                probe = flow.send(answer)
        except StopIteration as done:
            found: Server = done.value
            return found
        except KeystoneError as error:
            raise _undetected(error, call, self.url) from error.__cause__
        finally:
            flow.close()

    def _set_server(self, server: Server) -> None:
        self._auth.use_server(server)
        self._server = server
        if server.release is not None and self._version is None:
            self._version = server.release

    @property
    def api_version(self) -> str:
        """The server's version string (``GET version/``), fetched on first use and then kept.

        Threads that ask at the same time share one request. A failed fetch is not kept: the
        next access tries again.
        """
        if self._version is None:
            with self._version_lock:
                if self._version is None:
                    self._version = self.request("GET", "version").text.strip()
        return self._version

    # -- session ------------------------------------------------------------------------------

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
        checked = checked_timeout(timeout)
        policy = given_policy(retry)
        if type(self._auth).login_flow is AuthStrategy.login_flow:  # a strategy without one
            next(self._auth.login_flow(username, password))  # refused before anything is sent
        deadline = self._start_deadline(policy)
        server = self._server_for("login", checked, deadline, policy)  # then log in as it does
        try:
            flow = self._auth.login_flow(username, password)
            self._run_session_flow(flow, checked, deadline, policy)
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
        checked = checked_timeout(timeout)
        policy = given_policy(retry)
        try:
            self._run_session_flow(self._auth.logout_flow(), checked, None, policy)
        except KeystoneError as exc:
            if raise_blacklist:
                raise
            logger.warning("logged out locally; the server did not end the session: %s", exc)

    def _run_session_flow(
        self,
        flow: Any,
        timeout: TimeoutLike,
        deadline: CallDeadline | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        def send(request: Request) -> Response:
            for name, value in self._headers.items():
                request.headers.setdefault(name, value)
            request.timeout = timeout
            request.call.redactor = self._redactor
            request.call.deadline = deadline
            if retry is not None:
                request.call.retry = retry
            response = self._handler(request)
            if 300 <= response.status_code < 400:  # a login or logout is never redirected
                raise UnexpectedResponseError(
                    f"{request.method} {shown_url(response.url, request)} answered "
                    f"{response.status_code}{redirect_note(response, self._redactor)}.",
                    response=response,
                )
            return response

        run_flow(flow, send)


def _undetected(error: KeystoneError, call: str, url: str) -> KeystoneError:
    """``error``, saying that it stopped ``call`` while finding out which Keystone it talks to."""
    message = (error.args[0] if error.args else str(error)).rstrip()
    message = message if message.endswith((".", "!", "?")) else f"{message}."
    error.args = (
        f"{call}: the client could not find out which Keystone release the server at "
        f"{shown_url(url)} is, so it sent nothing else: {message} If the URL is right, give "
        "the release to skip finding it out: KeystoneClient(url, server='0.10.9').",
        *error.args[1:],
    )
    return error
