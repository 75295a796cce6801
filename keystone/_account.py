"""The client's account on its server: logging in and out, and which Keystone it is.

What to send is the auth strategy's business (its login and logout flows); the plans here
run those flows through the client's whole chain, each request completed by the core as one
it built; :class:`Account` runs them for :class:`~keystone.KeystoneClient`, and
:class:`AsyncAccount` for :class:`~keystone.AsyncKeystoneClient`. Which release the server is,
the core finds out once (:meth:`keystone._core.Core.server_for`).
"""

from __future__ import annotations

import logging

from keystone._core import Call, Core, UsesCore
from keystone._detection import redirect_note
from keystone._errors import KeystoneError, UnexpectedResponseError, shown_url
from keystone._http_errors import NotFoundError
from keystone._operations.records import is_missing_record
from keystone._plans import Plan, arun, described_by, run
from keystone._request import Request
from keystone._response import Response
from keystone._retry_policy import RetryPolicy
from keystone._servers import Server
from keystone._timeouts import DEFAULT_TIMEOUT, TimeoutLike
from keystone.auth import AuthStrategy
from keystone.auth._base import AuthFlow, flow_plan

logger = logging.getLogger("keystone.auth")


def server_of(core: Core) -> Plan[Server]:
    """Which Keystone the server is: its release, and what that release does.

    Given as ``server=`` or found out on first use (``GET version/``, and where that does
    not name a release the client knows, ``GET authentication/whoami/`` and a few
    ``HEAD`` requests: see docs/compatibility.md), once in the client's life, by
    whichever thread (or task) needs it first.
    """
    return (yield from core.begin("client.server").server())


def login(
    core: Core,
    username: str,
    password: str,
    timeout: TimeoutLike = DEFAULT_TIMEOUT,
    *,
    retry: RetryPolicy | None = None,
) -> Plan[None]:
    """Log in and keep what the server gives back (the password is not kept).

    Raises :class:`~keystone.AuthenticationError` with the server's detail for bad
    credentials and :class:`~keystone.ValidationError` for a missing field. A second login
    replaces the session; a failed one leaves the client logged out. ``retry`` is the
    retry policy of its requests (``None``: the client's).
    """
    for name, value in (("username", username), ("password", password)):
        if not isinstance(value, str):
            raise TypeError(f"login: {name} must be a str, not {type(value).__name__}")
    call = core.begin("login", timeout, retry)
    auth = core.auth
    if type(auth).login_flow is AuthStrategy.login_flow:  # a strategy without one
        next(auth.login_flow(username, password))  # refused before anything is sent
    server = yield from call.server()  # then log in as it does
    try:
        yield from account_flow(core, auth.login_flow(username, password), call)
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
    core: Core,
    raise_blacklist: bool = False,
    timeout: TimeoutLike = DEFAULT_TIMEOUT,
    *,
    retry: RetryPolicy | None = None,
) -> Plan[None]:
    """End the session on the server and forget it here, whatever the server answers.

    The local session ends even when the server refuses (e.g. the refresh token already
    expired); that refusal is raised only with ``raise_blacklist=True``. Logging out when
    not logged in does nothing. ``retry`` is as for :meth:`login`.
    """
    call = core.begin("logout", timeout, retry)
    try:
        yield from account_flow(core, core.auth.logout_flow(), call)
    except KeystoneError as exc:
        if raise_blacklist:
            raise
        logger.warning("logged out locally; the server did not end the session: %s", exc)


def account_flow(core: Core, flow: AuthFlow, call: Call) -> Plan[Response | None]:
    """A login or logout ``flow`` as part of ``call``: each request through the whole chain,
    user middleware included; a redirect is an error (a login or logout is never
    redirected)."""

    def prepare(request: Request) -> Request:
        return core.prepare(request, call)

    def check(response: Response) -> None:
        if 300 <= response.status_code < 400:
            request = response.request
            raise UnexpectedResponseError(
                f"{request.method if request else 'POST'} {shown_url(response.url, request)} "
                f"answered {response.status_code}{redirect_note(response, core.redactor)}.",
                response=response,
            )

    return (yield from flow_plan(flow, prepare, check))


class Account(UsesCore):
    """``server``, ``login``, ``logout``, ``is_authenticated`` and ``api_version``."""

    @property
    def is_authenticated(self) -> bool:
        """Whether the client holds a session that has not expired (checked locally, no request)."""
        return bool(self._core.auth.is_authenticated)

    @property
    @described_by(server_of)
    def server(self) -> Server:
        return run(self._core, server_of(self._core))

    @property
    def api_version(self) -> str:
        """The server's version string (``GET version/``), fetched on first use and then kept.

        Threads that ask at the same time share one request. A failed fetch is not kept: the
        next access tries again.
        """
        return self._core.api_version()

    @described_by(login)
    def login(
        self,
        username: str,
        password: str,
        timeout: TimeoutLike = DEFAULT_TIMEOUT,
        *,
        retry: RetryPolicy | None = None,
    ) -> None:
        run(self._core, login(self._core, username, password, timeout, retry=retry))

    @described_by(logout)
    def logout(
        self,
        raise_blacklist: bool = False,
        timeout: TimeoutLike = DEFAULT_TIMEOUT,
        *,
        retry: RetryPolicy | None = None,
    ) -> None:
        run(self._core, logout(self._core, raise_blacklist, timeout, retry=retry))


class AsyncAccount(UsesCore):
    """:class:`Account` for :class:`~keystone.AsyncKeystoneClient`: ``server()`` and
    ``api_version()`` are coroutines there (finding them out may send requests)."""

    @property
    def is_authenticated(self) -> bool:
        """Whether the client holds a session that has not expired (checked locally, no request)."""
        return bool(self._core.auth.is_authenticated)

    @described_by(server_of)
    async def server(self) -> Server:
        return await arun(self._core, server_of(self._core))

    async def api_version(self) -> str:
        """The server's version string (``GET version/``), fetched on first use and then kept;
        tasks that ask at the same time share one request."""
        return await self._core.aapi_version()

    @described_by(login)
    async def login(
        self,
        username: str,
        password: str,
        timeout: TimeoutLike = DEFAULT_TIMEOUT,
        *,
        retry: RetryPolicy | None = None,
    ) -> None:
        await arun(self._core, login(self._core, username, password, timeout, retry=retry))

    @described_by(logout)
    async def logout(
        self,
        raise_blacklist: bool = False,
        timeout: TimeoutLike = DEFAULT_TIMEOUT,
        *,
        retry: RetryPolicy | None = None,
    ) -> None:
        await arun(self._core, logout(self._core, raise_blacklist, timeout, retry=retry))
