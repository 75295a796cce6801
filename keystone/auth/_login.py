"""The default strategy: log in with a username and password, the way the server's generation does.

Keystone 0.3.x trades them for JWTs (:class:`~keystone.JWTAuth`); Keystone 0.4 and later for
a Django session with CSRF (:class:`~keystone.SessionAuth`). :class:`LoginAuth` holds one of
each and, once the client has told it which generation the server is (``use_server``, before
the first login), hands everything to that one. So the same code, ``client.login(username,
password)``, works against every Keystone server.
"""

from __future__ import annotations

import copy
from typing import Any

from keystone._clock import SYSTEM_CLOCK, Clock
from keystone._request import Request
from keystone._servers import Generation, Server
from keystone.auth._base import AuthFlow, AuthStrategy
from keystone.auth._jwt import JWTAuth
from keystone.auth._session import SessionAuth


class LoginAuth(AuthStrategy):
    """Username/password login: JWTs on Keystone 0.3.x, a session with CSRF on 0.4 and later.

    The client's default (``auth=`` left out). Until the client knows the server's generation
    (it finds out before the first login), requests go without credentials.
    """

    def __init__(self, *, clock: Clock = SYSTEM_CLOCK) -> None:
        self._jwt = JWTAuth(clock=clock)
        self._session = SessionAuth(clock=clock)
        self._active: AuthStrategy | None = None
        self._clock = clock

    @property
    def clock(self) -> Clock:
        """The time both strategies judge expiry by; setting it sets theirs."""
        return self._clock

    @clock.setter
    def clock(self, clock: Clock) -> None:
        self._clock = clock
        self._jwt.clock = clock
        self._session.clock = clock

    @property
    def active(self) -> AuthStrategy | None:
        """The strategy in use (``JWTAuth`` or ``SessionAuth``), once the server is known."""
        return self._active

    def bind(self, api_root: str) -> None:
        self._jwt.bind(api_root)
        self._session.bind(api_root)

    def use_server(self, server: Server) -> None:
        strategy: AuthStrategy = (
            self._jwt if server.generation is Generation.V0_3 else self._session
        )
        strategy.use_server(server)
        self._active = strategy

    def login_flow(self, username: str, password: str) -> AuthFlow:
        return self._require().login_flow(username, password)

    def logout_flow(self) -> AuthFlow:
        if self._active is not None:  # not logged in before the server was known: nothing to end
            yield from self._active.logout_flow()

    def auth_flow(self, request: Request) -> AuthFlow:
        if self._active is None:
            return _as_is(request)
        return self._active.auth_flow(request)

    @property
    def is_authenticated(self) -> bool:
        return self._active is not None and self._active.is_authenticated

    @property
    def user_id(self) -> int | str | None:
        return None if self._active is None else self._active.user_id

    def _require(self) -> AuthStrategy:
        if self._active is None:
            raise RuntimeError(
                "LoginAuth does not know the server's generation yet; the client tells it "
                "(use_server) before logging in"
            )
        return self._active

    def __copy__(self) -> LoginAuth:
        """A copy with copies of both strategies (so each holds the same session, apart)."""
        clone = LoginAuth.__new__(LoginAuth)
        clone.__dict__.update(self.__dict__)
        clone._jwt = copy.copy(self._jwt)
        clone._session = copy.copy(self._session)
        if self._active is not None:
            clone._active = clone._jwt if self._active is self._jwt else clone._session
        return clone

    def __getstate__(self) -> dict[str, Any]:
        active = None if self._active is None else type(self._active).__name__
        return {"jwt": self._jwt, "session": self._session, "active": active, "clock": self._clock}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._jwt, self._session, self._clock = state["jwt"], state["session"], state["clock"]
        by_name = {"JWTAuth": self._jwt, "SessionAuth": self._session}
        self._active = by_name.get(state["active"])

    def __repr__(self) -> str:
        return f"<LoginAuth using={self._active!r}>"


def _as_is(request: Request) -> AuthFlow:
    yield request
