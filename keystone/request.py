"""The request value that travels down the middleware chain."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from urllib3.util import Timeout as _Urllib3Timeout

#: A timeout in seconds: one number for connect and read, a ``(connect, read)`` pair,
#: a urllib3 ``Timeout``, or ``None`` to wait forever.
TimeoutLike = float | tuple[float | None, float | None] | _Urllib3Timeout | None


class _DefaultTimeout:
    """Marker for "use the client's default timeout" (distinct from ``None``, no timeout)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "DEFAULT_TIMEOUT"


#: Pass (or leave) this to use the client's default timeout.
DEFAULT_TIMEOUT: Any = _DefaultTimeout()

#: Query parameters: values may be scalars or sequences (sent comma-joined, see keystone.query).
Params = Mapping[str, Any]


class Request:
    """One HTTP request as middleware sees it.

    ``url`` starts as the endpoint the caller gave and is made absolute by the base-URL
    middleware. ``json`` is encoded into ``body`` by the JSON middleware, so inner layers (retry,
    auth replay) resend the same bytes. ``context`` is a per-request scratch space for
    middleware (e.g. ``context["attempt"]``); the client puts ``context["kind"]`` there
    (``"api"``, ``"login"``, ``"refresh"``, ``"logout"``).
    """

    __slots__ = ("body", "context", "headers", "json", "method", "params", "timeout", "url")

    def __init__(
        self,
        method: str,
        url: str,
        *,
        headers: dict[str, str] | None = None,
        params: Params | None = None,
        json: Any = None,
        body: bytes | None = None,
        timeout: TimeoutLike = DEFAULT_TIMEOUT,
        context: dict[str, Any] | None = None,
    ) -> None:
        self.method = method
        self.url = url
        self.headers: dict[str, str] = headers if headers is not None else {}
        self.params = params
        self.json = json
        self.body = body
        self.timeout = timeout
        self.context: dict[str, Any] = context if context is not None else {}

    def copy(self) -> Request:
        """A shallow copy with its own headers and context, for middleware that rewrites."""
        return Request(
            self.method,
            self.url,
            headers=dict(self.headers),
            params=self.params,
            json=self.json,
            body=self.body,
            timeout=self.timeout,
            context=dict(self.context),
        )

    def __repr__(self) -> str:
        return f"<Request [{self.method} {self.url}]>"
