"""A fixed API token: ``Authorization: Token <key>``, as newer Keystone servers accept."""

from __future__ import annotations

from keystone._headers import Headers
from keystone._request import Request
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

    def auth_flow(self, request: Request) -> AuthFlow:
        request.headers["Authorization"] = self._header
        request.call.credentials_attached = True
        yield request

    @property
    def is_authenticated(self) -> bool:
        return True

    def __repr__(self) -> str:
        return f"<StaticTokenAuth scheme={self._header.split(' ', 1)[0]!r} token=***>"
