"""JSON Web Token sessions as Keystone 0.3.x (SimpleJWT) issues them.

``login`` trades a username and password for an access/refresh pair and keeps only the pair.
The access token is renewed shortly before it expires and after a 401 ``token_not_valid``;
when many threads need a new one at once, exactly one refresh request is made and the others
wait for its result. Refreshing keeps the refresh token (the server answers ``{access}``
only) and replaces just the access token.
"""

from __future__ import annotations

import logging
from typing import Any

from keystone._bodies import describe_body
from keystone._clock import SYSTEM_CLOCK, Clock
from keystone._errors import KeystoneError, TokenRefreshError, shown_url
from keystone._http_errors import SessionExpiredError, error_for_response
from keystone._locks import ForkSafeLock
from keystone._log_fields import log_fields
from keystone._request import CallState, Request
from keystone._response import Response
from keystone._servers import Generation, Server
from keystone.auth._base import AuthFlow, AuthStrategy, bound_once, forget_secrets
from keystone.auth._tokens import Session, claims_of

LOGIN_ENDPOINT = "authentication/new/"
REFRESH_ENDPOINT = "authentication/refresh/"
BLACKLIST_ENDPOINT = "authentication/blacklist/"

logger = logging.getLogger("keystone.auth")

#: The generator a renewal is: it yields the refresh request and returns the session to use.
Renewal = Any


def _is_token_rejection(response: Response) -> bool:
    """A 401 that a fresh access token may cure: ``token_not_valid`` or no code at all."""
    try:
        body = response.json()
    except (ValueError, RecursionError):
        return True
    code = body.get("code") if isinstance(body, dict) else None
    return code in (None, "token_not_valid")


def _is_session_endpoint(url: str) -> bool:
    """Whether ``url`` is one of ``authentication/*``, which take no access token on 0.3.x."""
    segments = [s for s in url.partition("?")[0].split("/") if s]
    return len(segments) >= 2 and segments[-2] == "authentication"


class JWTAuth(AuthStrategy):
    """Bearer tokens from ``authentication/new/``, refreshed before expiry and on 401."""

    def __init__(self, *, clock: Clock = SYSTEM_CLOCK) -> None:
        self._session: Session | None = None
        self._lock = ForkSafeLock()  # the session's state: never held across a yield
        self._renewing = ForkSafeLock()  # one renewal at a time: held across its request
        self._api_root: str | None = None
        self.clock = clock

    def bind(self, api_root: str) -> None:
        self._api_root = bound_once(self, self._api_root, api_root, ", or none to get a fresh one")

    def use_server(self, server: Server) -> None:
        if server.generation is Generation.V0_4:
            raise ValueError(
                "Keystone 0.4 and later log in with sessions, not JWTs: leave auth= out (the "
                "default, LoginAuth, logs in the way each server does), give "
                "auth=SessionAuth(), or auth=StaticTokenAuth('<key>') for an API token; "
                "JWTAuth is for Keystone 0.3.x"
            )

    # -- session lifecycle ----------------------------------------------------------------------

    def login_flow(self, username: str, password: str) -> AuthFlow:
        """Start a new session; the current one, if any, ends first, whatever the outcome.

        A failed login therefore leaves the client logged out: a script that asked to act as
        one user never goes on acting as the previous one.
        """
        with self._lock:
            self._session = None
        request = Request(
            "POST",
            LOGIN_ENDPOINT,
            json={"username": username, "password": password},
            call=CallState("login", idempotent=True),
        )
        try:
            response = yield request
        finally:
            forget_secrets(request, {"username": username, "password": "***"})
        body = response.json()
        access, refresh = _token(body, "access", request), _token(body, "refresh", request)
        with self._lock:
            self._session = Session.start(access, refresh, self.clock)

    def logout_flow(self) -> AuthFlow:
        """Blacklist the refresh token; the session is forgotten first, whatever the answer."""
        with self._lock:
            session, self._session = self._session, None
        if session is None:
            return
        request = Request(
            "POST", BLACKLIST_ENDPOINT, json={"refresh": session.refresh}, call=CallState("logout")
        )
        try:
            yield request
        finally:
            forget_secrets(request, {"refresh": "***"})

    @property
    def is_authenticated(self) -> bool:
        session = self._session
        return session is not None and session.alive(self.clock)

    @property
    def user_id(self) -> int | str | None:
        """The ``user_id`` claim of the access token (SimpleJWT puts the user's id there)."""
        session = self._session
        if session is None:
            return None
        user_id = claims_of(session.access).get("user_id")
        if isinstance(user_id, bool) or not isinstance(user_id, (int, str)):
            return None
        return user_id

    # -- per request ------------------------------------------------------------------------------

    def auth_flow(self, request: Request) -> AuthFlow:
        session = self._session
        if session is None or request.call.kind != "api" or _is_session_endpoint(request.url):
            yield request
            return
        if self.clock.monotonic() >= session.refresh_at:
            renewed = yield from self._renew_ahead(session)
            if renewed is None:  # logged out meanwhile
                yield request
                return
            session = renewed
        _attach(request, session)
        response = yield request
        if response.status_code != 401 or not _is_token_rejection(response):
            return
        current = self._session
        if current is not None and current.access == session.access:
            refused = "the server refused it (401)"
            current = yield from self._renew(session, refused, logging.WARNING)
        if current is None:
            return
        _attach(request, current)  # renewed (here or by another thread): replay once
        yield request

    # -- renewing ---------------------------------------------------------------------------------

    def _renew_ahead(self, seen: Session) -> Renewal:
        """Renew before expiry; if the renewal fails for now, go on with the current token."""
        try:
            return (yield from self._renew(seen, "it is about to expire", logging.INFO))
        except TokenRefreshError as exc:
            logger.warning("access token renewal failed; using the current token: %s", exc)
            return seen

    def _renew(self, seen: Session, reason: str, level: int) -> Renewal:
        """Exactly one refresh per expired token, however many threads ask for it.

        The renewals take turns on their own lock, held across the refresh request; the
        session's lock is never held across a ``yield``, so a login or logout meanwhile does
        not wait for the server (in the async client, it would block the event loop).
        Returns the session to use, or ``None`` when another thread logged out meanwhile. The
        renewal is logged at ``level``: INFO when it was planned (the token was about to
        expire), WARNING when the server forced it; a refused refresh always at WARNING.
        """
        with self._renewing:
            current = self._session
            if current is None or current is not seen:
                return current  # renewed (or ended) by another thread meanwhile
            request = Request(
                "POST",
                REFRESH_ENDPOINT,
                json={"refresh": current.refresh},
                call=CallState("refresh", idempotent=True),
            )
            try:
                response = yield request
            except KeystoneError as exc:
                raise TokenRefreshError(
                    f"Renewing the access token failed, so the request was not sent: {exc}"
                ) from exc
            finally:
                forget_secrets(request, {"refresh": "***"})
            if response.status_code in (400, 401):
                self._replace(current, None)
                detail = describe_body(response)
                logger.warning(
                    "the session ended: the server refused the refresh token (%s)",
                    detail,
                    extra=log_fields(request, reason="refresh refused"),
                )
                raise SessionExpiredError(
                    f"The session ended: the server refused the refresh token ({detail}); "
                    "it expired, was blacklisted, or the server's signing key changed. "
                    "Call client.login(username, password) to start a new session.",
                    response=response,
                )
            if response.status_code >= 400:
                raise TokenRefreshError(
                    "Renewing the access token failed, so the request was not sent: "
                    f"{error_for_response(response)}"
                )
            renewed = current.with_access(_token(response.json(), "access", request), self.clock)
            if not self._replace(current, renewed):
                return self._session  # a login or logout came meanwhile: theirs stands
            logger.log(
                level, "access token renewed: %s", reason, extra=log_fields(request, reason=reason)
            )
            return renewed

    def _replace(self, current: Session, new: Session | None) -> bool:
        """Make ``new`` the session if ``current`` still is (a login or logout made while a
        renewal was on its way wins over it); whether it did."""
        with self._lock:
            if self._session is not current:
                return False
            self._session = new
            return True

    # -- pickling ---------------------------------------------------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        return {"_session": self._session, "clock": self.clock}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(clock=state.get("clock", SYSTEM_CLOCK))  # type: ignore[misc]
        self._session = state["_session"]

    def __repr__(self) -> str:
        return f"<JWTAuth authenticated={self.is_authenticated}>"


def _attach(request: Request, session: Session) -> None:
    request.headers["Authorization"] = f"Bearer {session.access}"
    request.call.credentials_attached = True


def _token(body: Any, name: str, request: Request) -> str:
    value = body.get(name) if isinstance(body, dict) else None
    if not isinstance(value, str) or not value:
        where = f"{request.method} {shown_url(request.url, request)}"
        raise KeystoneError(
            f"{where} answered without a {name!r} token; "
            "check that the URL points at a Keystone API server"
        )
    return value
