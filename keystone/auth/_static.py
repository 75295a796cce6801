"""A fixed API token: ``Authorization: Token <key>``, as Keystone 0.6.4 and later accept."""

from __future__ import annotations

from keystone._errors import UnsupportedError
from keystone._headers import Headers
from keystone._request import Request
from keystone._servers import Generation, Server
from keystone.auth._base import AuthFlow, AuthStrategy


class StaticTokenAuth(AuthStrategy):
    """Sends the same key with every request to the client's own origin; nothing to renew.

    ``scheme`` is the word before the key (``Token`` for Keystone's DRF tokens).
    """

    def __init__(self, token: str, *, scheme: str = "Token") -> None:
        if not isinstance(token, str) or not token.strip():
            raise ValueError("StaticTokenAuth needs a non-empty token string (the API key)")
        if not isinstance(scheme, str) or not scheme.strip() or " " in scheme.strip():
            raise ValueError(f"StaticTokenAuth(scheme={scheme!r}) must be one word, e.g. 'Token'")
        header = f"{scheme.strip()} {token.strip()}"
        try:
            Headers({"Authorization": header})
        except ValueError:
            raise ValueError(
                "StaticTokenAuth: the token has characters an HTTP header cannot carry (a line "
                "break, a control character or non-Latin-1 text); check that it was copied whole"
            ) from None
        self._header = header

    def use_server(self, server: Server) -> None:
        """Refuse a server that would ignore the header, so every call would be refused.

        ``Token`` keys are read from Keystone 0.6.4 on; ``Bearer`` (a JWT) only by 0.3.x.
        Other schemes are left to the user (a proxy in front of the server may read them).
        """
        scheme = self._header.split(" ", 1)[0].lower()
        if scheme == "token" and not server.tokens:
            raise UnsupportedError(
                f"{server.describe} does not take API tokens (Keystone reads "
                "'Authorization: Token <key>' from 0.6.4 on; before, it ignores the header and "
                "every call would be refused as not logged in). Log in instead: create the "
                "client without auth= and call client.login(username, password).",
                server=server,
            )
        if scheme == "bearer" and server.generation is Generation.V0_4:
            raise UnsupportedError(
                f"{server.describe} ignores 'Authorization: Bearer' (only Keystone 0.3.x reads "
                "JWTs); give its API token as StaticTokenAuth('<key>') (scheme 'Token'), or log "
                "in with client.login(username, password).",
                server=server,
            )

    def auth_flow(self, request: Request) -> AuthFlow:
        request.headers["Authorization"] = self._header
        request.call.credentials_attached = True
        yield request

    @property
    def is_authenticated(self) -> bool:
        return True

    def __repr__(self) -> str:
        return f"<StaticTokenAuth scheme={self._header.split(' ', 1)[0]!r} token=***>"
