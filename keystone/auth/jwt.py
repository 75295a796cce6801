"""JSON Web Token sessions as Keystone (SimpleJWT) issues them.

``login`` trades a username and password for an access/refresh pair and keeps only the pair.
The access token is renewed shortly before it expires and after a 401 ``token_not_valid``;
when many threads need a new one at once, exactly one refresh request is made and the others
wait for its result. Refreshing keeps the refresh token (the server answers ``{access}``
only) and replaces just the access token.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from keystone._locks import ForkSafeLock
from keystone.auth.base import AuthStrategy, Send
from keystone.auth.tokens import Session
from keystone.errors import (
    AuthenticationError,
    KeystoneError,
    SessionExpiredError,
    TokenRefreshError,
    shown_url,
)
from keystone.middleware.logging import log_fields
from keystone.request import DEFAULT_TIMEOUT, Request, TimeoutLike
from keystone.response import Response

LOGIN_ENDPOINT = "authentication/new/"
REFRESH_ENDPOINT = "authentication/refresh/"
BLACKLIST_ENDPOINT = "authentication/blacklist/"

logger = logging.getLogger("keystone.auth")


def _is_token_rejection(response: Response) -> bool:
    """A 401 that a fresh access token may cure: ``token_not_valid`` or no code at all."""
    try:
        body = response.json()
    except ValueError:
        return True
    code = body.get("code") if isinstance(body, dict) else None
    return code in (None, "token_not_valid")


class JWTAuth(AuthStrategy):
    """Bearer tokens from ``authentication/new/``, refreshed before expiry and on 401."""

    def __init__(self) -> None:
        self._session: Session | None = None
        self._lock = ForkSafeLock()
        self._send: Send | None = None

    def bind(self, send: Send) -> None:
        self._send = send

    # -- session lifecycle ----------------------------------------------------------------------

    def login(
        self, username: str, password: str, *, timeout: TimeoutLike = DEFAULT_TIMEOUT
    ) -> None:
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
            timeout=timeout,
            context={"kind": "login", "idempotent": True},
        )
        try:
            body = self._call(request).json()
        finally:
            _redact(request, {"username": username, "password": "***"})
        access, refresh = _token(body, "access", request), _token(body, "refresh", request)
        with self._lock:
            self._session = Session.start(access, refresh)

    def logout(
        self, *, raise_blacklist: bool = False, timeout: TimeoutLike = DEFAULT_TIMEOUT
    ) -> None:
        with self._lock:
            session, self._session = self._session, None
        if session is None:
            return
        request = Request(
            "POST",
            BLACKLIST_ENDPOINT,
            json={"refresh": session.refresh},
            timeout=timeout,
            context={"kind": "logout"},
        )
        try:
            self._call(request)
        except KeystoneError as exc:
            if raise_blacklist:
                raise
            logger.warning("logged out locally; the server did not blacklist the token: %s", exc)
        finally:
            _redact(request, {"refresh": "***"})

    @property
    def is_authenticated(self) -> bool:
        session = self._session
        return session is not None and session.alive

    # -- per request ------------------------------------------------------------------------------

    def authorize(self, request: Request) -> str | None:
        session = self._session
        if session is None:
            return None
        if time.monotonic() >= session.refresh_at:
            session = self._refresh_ahead(session)
            if session is None:
                return None
        request.headers["Authorization"] = f"Bearer {session.access}"
        return session.access

    def handle_unauthorized(self, request: Request, response: Response, used: str) -> bool:
        session = self._session
        if session is None or not _is_token_rejection(response):
            return False
        if session.access != used:
            return True  # another thread already renewed it: just replay
        forced = self._refresh(session, "the server refused it (401)", level=logging.WARNING)
        return forced is not None

    # -- refreshing -------------------------------------------------------------------------------

    def _refresh_ahead(self, seen: Session) -> Session | None:
        """Renew before expiry; if the server is briefly unreachable, keep the current token."""
        try:
            return self._refresh(seen, "it is about to expire", level=logging.INFO)
        except TokenRefreshError as exc:
            logger.warning("access token renewal failed; using the current token: %s", exc)
            return seen

    def _refresh(self, seen: Session, reason: str, *, level: int) -> Session | None:
        """Exactly one refresh per expired token, however many threads ask for it.

        Returns the session to use, or ``None`` when another thread logged out meanwhile. The
        renewal is logged at ``level``: INFO when it was planned (the token was about to
        expire), WARNING when the server forced it; a refused refresh always at WARNING.
        """
        with self._lock:
            current = self._session
            if current is None or current is not seen:
                return current
            request = Request(
                "POST",
                REFRESH_ENDPOINT,
                json={"refresh": current.refresh},
                context={"kind": "refresh", "idempotent": True},
            )
            try:
                body = self._call(request).json()
            except AuthenticationError as exc:
                self._session = None
                logger.warning(
                    "the session ended: the server refused the refresh token (%s)",
                    exc.detail,
                    extra=log_fields(request, reason="refresh refused"),
                )
                raise SessionExpiredError(
                    f"The session ended: the server refused the refresh token ({exc.detail}); "
                    "it expired, was blacklisted, or the server's signing key changed. "
                    "Call client.login(username, password) to start a new session.",
                    response=exc.response,
                    request=exc.request,
                ) from None
            except KeystoneError as exc:
                raise TokenRefreshError(
                    f"Renewing the access token failed, so the request was not sent: {exc}"
                ) from exc
            finally:
                _redact(request, {"refresh": "***"})
            renewed = current.with_access(_token(body, "access", request))
            self._session = renewed
            logger.log(
                level, "access token renewed: %s", reason, extra=log_fields(request, reason=reason)
            )
            return renewed

    def _call(self, request: Request) -> Response:
        if self._send is None:
            raise RuntimeError("JWTAuth is not attached to a KeystoneClient")
        return self._send(request)

    def __getstate__(self) -> dict[str, Any]:
        return {"_session": self._session}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__()  # type: ignore[misc]
        self._session = state["_session"]

    def __repr__(self) -> str:
        return f"<JWTAuth authenticated={self.is_authenticated}>"


def _token(body: Any, name: str, request: Request) -> str:
    value = body.get(name) if isinstance(body, dict) else None
    if not isinstance(value, str) or not value:
        raise KeystoneError(
            f"{request.method} {shown_url(request.url)} answered without a {name!r} token; "
            "check that the URL points at a Keystone API server"
        )
    return value


def _redact(request: Request, shown: dict[str, str]) -> None:
    """Drop secrets from a finished request that errors or logs may still reference."""
    request.json = shown
    request.body = None
