"""Django sessions with CSRF, as Keystone 0.4 and later log in.

``login`` posts the username and password to ``authentication/login/``; the server answers
with two cookies, ``sessionid`` (the login) and ``csrftoken``. The strategy keeps both in a
:class:`~keystone.auth._cookies.CookieJar`, never the password, and gives every request to the
client's origin what Django asks of it: the cookies; ``X-CSRFToken`` (the ``csrftoken``
cookie's value) on unsafe methods; and over HTTPS a same-origin ``Referer``, without which
Django's CSRF check refuses any unsafe request. Every answer's ``Set-Cookie`` is read back in
(each login sets a new ``csrftoken``; logout deletes ``sessionid``).

A session has nothing to renew; it ends when it expires on the server (two weeks by default),
when the user logs out elsewhere, or when an administrator ends it. The server then answers
401 (403 before Keystone 0.6.4) "Authentication credentials were not provided."; the strategy
forgets the session and raises :class:`~keystone.SessionExpiredError`. If another thread logged
in meanwhile, the request goes once more with the new session instead.
"""

from __future__ import annotations

import logging
from typing import Any

from keystone._bodies import describe_body
from keystone._clock import SYSTEM_CLOCK, Clock
from keystone._errors import KeystoneError, annotate, shown_url
from keystone._http_errors import (
    AuthenticationError,
    SessionExpiredError,
    ValidationError,
    is_not_logged_in,
)
from keystone._log_fields import log_fields
from keystone._redaction import DEFAULT_REDACTOR
from keystone._request import CallState, Request
from keystone._response import Response
from keystone._servers import Generation, Server
from keystone.auth._base import AuthFlow, AuthStrategy, bound_once, forget_secrets
from keystone.auth._cookies import Cookie, CookieJar, Outgoing, set_cookie_lines

LOGIN_ENDPOINT = "authentication/login/"
LOGOUT_ENDPOINT = "authentication/logout/"
SESSION_COOKIE = "sessionid"
CSRF_COOKIE = "csrftoken"
CSRF_HEADER = "X-CSRFToken"
#: Methods Django's CSRF check lets through without a token (RFC 9110's safe methods).
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

logger = logging.getLogger("keystone.auth")


class SessionAuth(AuthStrategy):
    """A Django session (``sessionid`` and ``csrftoken`` cookies) from ``authentication/login/``.

    For Keystone 0.4 and later: ``KeystoneClient(url, auth=SessionAuth(), server="0.4+")``.
    """

    def __init__(self, *, clock: Clock = SYSTEM_CLOCK) -> None:
        self._jar = CookieJar()
        self._api_root: str | None = None
        self._referer: str | None = None
        self._had_session = False  # logged in, and not logged out since
        self.clock = clock

    def bind(self, api_root: str) -> None:
        self._api_root = bound_once(self, self._api_root, api_root)
        self._referer = api_root if api_root.lower().startswith("https://") else None

    def use_server(self, server: Server) -> None:
        if server.generation is Generation.V0_3:
            raise ValueError(
                "Keystone 0.3.x servers log in with JWTs: leave auth= out (the default, "
                "LoginAuth, logs in the way each server does) or give auth=JWTAuth(); "
                "SessionAuth is for Keystone 0.4 and later"
            )

    # -- session lifecycle ----------------------------------------------------------------------

    def login_flow(self, username: str, password: str) -> AuthFlow:
        """Log in; a session already held goes along, with the CSRF token Django then wants.

        The server keeps that session for the same user (with a new ``csrftoken``) and
        replaces it for another. A failed login leaves the client logged out: a script that
        asked to act as one user never goes on acting as the previous one.
        """
        request = Request(
            "POST",
            LOGIN_ENDPOINT,
            json={"username": username, "password": password},
            call=CallState("login", idempotent=True),
        )
        self._had_session = False  # until this login succeeds
        try:
            response = yield request
        except ValidationError as exc:
            self._jar.clear()
            refused = _refused_credentials(exc)
            if refused is None:
                raise
            raise refused from None
        except BaseException:
            self._jar.clear()
            raise
        finally:
            forget_secrets(request, {"username": username, "password": "***"})
        held = self._jar.value(SESSION_COOKIE, self.clock.time())
        if held is None or SESSION_COOKIE not in _cookie_names(response):
            self._jar.clear()
            raise KeystoneError(
                f"POST {shown_url(response.url, request)} answered {response.status_code} without "
                f"a {SESSION_COOKIE!r} cookie, so there is no session; check that the URL points "
                "at a Keystone 0.4 or later API server"
            )
        secure = [
            name
            for name in (SESSION_COOKIE, CSRF_COOKIE)
            if any(c.secure for c in self._jar.cookies() if c.name == name)
        ]
        if self._referer is None and secure:  # never sent over http: later calls refused
            self._jar.clear()
            raise AuthenticationError(
                f"POST {shown_url(response.url, request)} logged in, but set its "
                f"{' and '.join(repr(n) for n in secure)} cookie Secure (for HTTPS only), and "
                "the client talks to the server over http: the cookie would never be sent, and "
                "later calls would be refused (as not logged in, or for a missing CSRF token). "
                "Give the client the server's https:// URL (the server sends Secure cookies "
                "when its SECURE_SSL_TOKENS setting is on).",
                response=response,
            )
        self._had_session = True

    def logout_flow(self) -> AuthFlow:
        """End the session on the server; the cookies are forgotten whatever the answer."""
        self._had_session = False
        if self._jar.value(SESSION_COOKIE, self.clock.time()) is None:
            self._jar.clear()
            return
        try:
            yield Request("POST", LOGOUT_ENDPOINT, call=CallState("logout"))
        finally:
            self._jar.clear()

    @property
    def is_authenticated(self) -> bool:
        return self._jar.value(SESSION_COOKIE, self.clock.time()) is not None

    # -- per request ------------------------------------------------------------------------------

    def auth_flow(self, request: Request) -> AuthFlow:
        if not request.call.credentials_attached and "Cookie" in request.headers:
            yield request  # the caller's own cookies: neither added to nor read back
            return
        had_session = self._had_session  # when this call started: others may end it meanwhile
        for replay in (False, True):
            outgoing = self._attach(request)
            response = yield request
            sent = outgoing.sent.get(SESSION_COOKIE)
            if sent is None and had_session and _session_refused(request, response):
                # The session's cookie expired here (its Max-Age passed, as the server's did).
                if not replay and self.is_authenticated:
                    continue  # another thread logged in meanwhile: once more, with its session
                raise self._ended(request, response)
            if sent is None or not _session_refused(request, response):
                lines = set_cookie_lines(response.headers)
                if lines:  # most answers set none: nothing to take in
                    self._jar.store(lines, self.clock.time(), marks=outgoing.marks)
                return
            if self._jar.clear_unless_replaced(SESSION_COOKIE, sent) or replay:
                break  # the session is gone; else another thread logged in: send it once more
        raise self._ended(request, response)

    def _attach(self, request: Request) -> Outgoing:
        """Put the cookies, and on unsafe methods the CSRF token and Referer, on ``request``."""
        headers = request.headers
        if request.call.credentials_attached:  # an earlier attempt's, maybe of another session
            headers.pop("Cookie", None)
            headers.pop(CSRF_HEADER, None)
        outgoing = self._jar.outgoing(request.url, self.clock.time())
        if outgoing.header is not None:
            headers["Cookie"] = outgoing.header
            request.call.credentials_attached = True
        if request.method.upper() not in SAFE_METHODS:
            csrf = outgoing.sent.get(CSRF_COOKIE)
            if csrf:
                headers[CSRF_HEADER] = csrf
            if self._referer is not None and "Referer" not in headers:
                headers["Referer"] = self._referer
        return outgoing

    def _ended(self, request: Request, response: Response) -> SessionExpiredError:
        """The error (logged at WARNING) of a session the server no longer knows.

        Calls already under way when it ended say so too; calls started later are those of
        a client that is logged out, and say that instead (unless another login came since).
        """
        if not self.is_authenticated:
            self._had_session = False
        detail = describe_body(response)
        where = f"{request.method} {shown_url(request.url, request)}"
        logger.warning(
            "the session ended on the server: %s answered %d (%s)",
            where,
            response.status_code,
            detail,
            extra=log_fields(request, request.call.redactor, reason="session ended"),
        )
        return SessionExpiredError(
            f"The session ended on the server: {where} answered {response.status_code} "
            f"({detail}). It expired, was logged out elsewhere, or was ended by an "
            "administrator; the client has forgotten it. Call client.login(username, password) "
            "to start a new session.",
            response=response,
        )

    # -- pickling ---------------------------------------------------------------------------------

    def __getstate__(self) -> dict[str, Any]:
        return {"cookies": self._jar.cookies(), "clock": self.clock, "had": self._had_session}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(clock=state.get("clock", SYSTEM_CLOCK))  # type: ignore[misc]
        cookies: list[Cookie] = state.get("cookies", [])
        self._jar = CookieJar(cookies)
        self._had_session = bool(state.get("had", False))

    def __repr__(self) -> str:
        return f"<SessionAuth authenticated={self.is_authenticated} cookies={self._jar.names()!r}>"


def _session_refused(request: Request, response: Response) -> bool:
    """Whether the answer to a call of the user's says that its session is unknown."""
    return request.call.kind == "api" and is_not_logged_in(response)


def _refused_credentials(error: ValidationError) -> AuthenticationError | None:
    """Keystone's 400 for a wrong username or password, as the AuthenticationError it means."""
    messages = error.errors.get("non_field_errors")
    if not isinstance(messages, list) or not messages or len(error.errors) != 1:
        return None
    request = error.request
    where = f"POST {shown_url(error.response.url, request)}"
    redactor = request.call.redactor if request is not None else DEFAULT_REDACTOR
    text = redactor.text(" ".join(str(message) for message in messages)).rstrip()
    text = text if text.endswith((".", "!", "?")) else f"{text}."
    refused = AuthenticationError(
        f"{where} refused the login: {text} Check the username and password, then call "
        "client.login(username, password) again.",
        response=error.response,
    )
    if request is not None:
        annotate(refused, request.call)
    return refused


def _cookie_names(response: Response) -> set[str]:
    return {line.partition("=")[0].strip() for line in set_cookie_lines(response.headers)}
