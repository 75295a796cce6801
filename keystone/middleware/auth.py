"""Attaches credentials through an authentication strategy, and replays once after a 401.

Credentials go only to the client's own origin and never to ``authentication/*`` endpoints;
an ``Authorization`` header is removed from requests to any other origin. A request the caller
gave its own ``Authorization`` header is left alone.
"""

from __future__ import annotations

from keystone.auth.base import AuthStrategy
from keystone.pipeline import Handler
from keystone.request import Request
from keystone.response import Response
from keystone.urls import BaseURL

_OWN_HEADER = "auth_header"
#: Requests the client makes to manage the session itself carry no access token.
_SESSION_KINDS = frozenset({"login", "refresh", "logout"})


class AuthMiddleware:
    """Delegates to an :class:`~keystone.auth.AuthStrategy`; see the module docstring."""

    name = "auth"

    def __init__(self, strategy: AuthStrategy, base_url: BaseURL) -> None:
        self.strategy = strategy
        self._base_url = base_url
        self._auth_prefix = base_url.url + "authentication/"

    def __call__(self, request: Request, call_next: Handler) -> Response:
        url = request.url
        headers = request.headers
        if not self._base_url.is_own_origin(url):
            headers.pop("Authorization", None)
            return call_next(request)
        if url.startswith(self._auth_prefix) or request.context.get("kind") in _SESSION_KINDS:
            return call_next(request)
        current = headers.get("Authorization")
        if current is not None and hash(current) != request.context.get(_OWN_HEADER):
            return call_next(request)
        used = self._authorize(request)
        response = call_next(request)
        if (
            response.status_code == 401
            and used is not None
            and self.strategy.handle_unauthorized(request, response, used)
        ):
            self._authorize(request)
            response = call_next(request)
        return response

    def _authorize(self, request: Request) -> str | None:
        used = self.strategy.authorize(request)
        if used is None:
            request.headers.pop("Authorization", None)
        else:
            # A fingerprint, not the credential: the context outlives the call (errors keep it).
            request.context[_OWN_HEADER] = hash(request.headers.get("Authorization"))
        return used
