"""The request value that travels down the middleware chain."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from keystone.headers import Headers
from keystone.redaction import DEFAULT_REDACTOR, Redactor
from keystone.timeouts import DEFAULT_TIMEOUT, TimeoutLike

__all__ = ["DEFAULT_TIMEOUT", "Params", "Request", "TimeoutLike"]

#: Query parameters: values may be scalars or sequences (sent comma-joined, see keystone.query).
Params = Mapping[str, Any]

#: ``context`` values kept when a request is pickled (anything else may not pickle).
_PLAIN = (str, int, float, bool, type(None))


class Request:
    """One HTTP request as middleware sees it.

    ``url`` starts as the endpoint the caller gave and is made absolute by the base-URL
    middleware. ``headers`` is a case-insensitive :class:`~keystone.headers.Headers`. ``json``
    is encoded into ``body`` by the JSON middleware, so inner layers (retry, auth replay) resend
    the same bytes. ``context`` is a per-request scratch space for middleware (e.g.
    ``context["attempt"]``); the client puts ``context["kind"]`` there (``"api"``, ``"login"``,
    ``"refresh"``, ``"logout"``).

    Its ``repr`` and its pickled form never hold a credential: secret headers, query parameters
    and body fields are replaced with ``***`` (see :meth:`redacted`).
    """

    __slots__ = ("body", "context", "headers", "json", "method", "params", "timeout", "url")

    def __init__(
        self,
        method: str,
        url: str,
        *,
        headers: Headers | Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        params: Params | None = None,
        json: Any = None,
        body: bytes | None = None,
        timeout: TimeoutLike = DEFAULT_TIMEOUT,
        context: dict[str, Any] | None = None,
    ) -> None:
        self.method = method
        self.url = url
        self.headers: Headers = headers if isinstance(headers, Headers) else Headers(headers)
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
            headers=self.headers.copy(),
            params=self.params,
            json=self.json,
            body=self.body,
            timeout=self.timeout,
            context=dict(self.context),
        )

    def redacted(self, redactor: Redactor = DEFAULT_REDACTOR) -> Request:
        """A copy safe to keep, show or pickle: no credential in headers, URL or body.

        Secret headers keep their scheme (``Bearer ***``); secret query parameters and JSON
        fields become ``***``. The encoded ``body`` is left out (the redacted ``json`` stays),
        and only plain values of ``context`` are kept.
        """
        headers = Headers(
            (name, redactor.header(name, value)) for name, value in self.headers.items()
        )
        json_value = None if self.json is None else redactor.value(self.json)
        context = {k: v for k, v in self.context.items() if isinstance(v, _PLAIN)}
        return Request(
            self.method,
            redactor.url(self.url),
            headers=headers,
            params=None if self.params is None else redactor.value(dict(self.params)),
            json=json_value,
            timeout=self.timeout,
            context=context,
        )

    def __reduce__(self) -> tuple[Any, ...]:
        safe = self.redacted()
        return (
            _rebuild,
            (safe.method, safe.url, list(safe.headers.items()), safe.params, safe.json),
            {"timeout": safe.timeout, "context": safe.context},
        )

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            setattr(self, name, value)

    def __repr__(self) -> str:
        return f"<Request [{self.method} {DEFAULT_REDACTOR.url(self.url)}]>"


def _rebuild(
    method: str, url: str, headers: list[tuple[str, str]], params: Any, json: Any
) -> Request:
    return Request(method, url, headers=headers, params=params, json=json)
