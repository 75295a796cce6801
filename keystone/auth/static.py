"""A fixed API token: ``Authorization: Token <key>``, as newer Keystone servers accept."""

from __future__ import annotations

from keystone.auth.base import AuthStrategy
from keystone.request import Request


class StaticTokenAuth(AuthStrategy):
    """Sends the same key with every request; nothing to refresh, nothing to log in to."""

    def __init__(self, token: str, *, scheme: str = "Token") -> None:
        if not isinstance(token, str) or not token.strip():
            raise ValueError("StaticTokenAuth needs a non-empty token string")
        self._header = f"{scheme} {token.strip()}"

    def authorize(self, request: Request) -> str:
        request.headers["Authorization"] = self._header
        return self._header

    @property
    def is_authenticated(self) -> bool:
        return True

    def __repr__(self) -> str:
        return f"<StaticTokenAuth scheme={self._header.split(' ', 1)[0]!r} token=***>"
