"""The strategy interface the authentication middleware drives."""

from __future__ import annotations

from collections.abc import Callable

from keystone.request import Request, TimeoutLike
from keystone.response import Response

#: Sends a request through the client's whole chain (user middleware included).
Send = Callable[[Request], Response]


class AuthStrategy:
    """Attaches credentials to requests and reacts to 401 answers.

    The middleware calls :meth:`authorize` for every request to the client's own API (never
    for ``authentication/*`` endpoints or other origins) and, when such a request comes back
    401, :meth:`handle_unauthorized`; if that returns ``True`` the request is authorized again
    and replayed once. ``bind`` gives the strategy a way to send its own requests (login,
    refresh) through the whole chain.
    """

    def bind(self, send: Send) -> None:
        """Called once by the client that uses this strategy."""

    def authorize(self, request: Request) -> str | None:
        """Put credentials on ``request``; return the credential used (or ``None``)."""
        return None

    def handle_unauthorized(self, request: Request, response: Response, used: str) -> bool:
        """The server refused credential ``used``; return ``True`` to replay once."""
        return False

    @property
    def is_authenticated(self) -> bool:
        """Whether requests will carry credentials the server may accept."""
        return False

    def login(self, username: str, password: str, *, timeout: TimeoutLike) -> None:
        """Start a session; strategies without one refuse."""
        raise TypeError(
            f"{type(self).__name__} has no login; create the client with the default JWTAuth "
            "to log in with a username and password"
        )

    def logout(self, *, raise_blacklist: bool, timeout: TimeoutLike) -> None:
        """End the session, if the strategy has one."""
