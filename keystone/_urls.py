"""The client's base URL: validation at construction and joining of endpoints under it.

Keystone answers a URL without its trailing slash with a 301 (for POST too, which a redirect
would turn into a GET without body), so every endpoint is joined with a trailing slash.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote, urlsplit

from keystone._redaction import DEFAULT_REDACTOR

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_EXAMPLE = "e.g. 'https://keystone.example.org' or 'http://localhost:8000'"
_PATH_SAFE = "!$&'()*+,;=:@%-._~"
#: Endpoints made only of these need no quoting and no dot-segment decoding (the usual case).
_PLAIN_PATH = re.compile(r"[A-Za-z0-9_\-]+(?:/+[A-Za-z0-9_\-]+)*/*\Z")


def _authority_of(url: str) -> str:
    """The ``user:password@host:port`` part of ``url`` (found without parsing, which may fail)."""
    rest = url.partition("://")[2] if "://" in url else url
    return re.split(r"[/?#]", rest, maxsplit=1)[0]


def _origin_of(scheme: str, host: str, port: int | None) -> str:
    host = f"[{host}]" if ":" in host else host
    if port is None or port == _DEFAULT_PORTS.get(scheme):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


class BaseURL:
    """A validated ``http(s)://host[:port][/path]/`` and the rules for joining endpoints to it."""

    __slots__ = ("origin", "origin_prefix", "url")

    def __init__(self, url: str) -> None:
        if not isinstance(url, str):
            raise TypeError(f"the Keystone URL must be a str, not {type(url).__name__} ({url!r})")
        text = url.strip()
        if "@" in _authority_of(text):
            raise ValueError(
                "the Keystone URL must not contain credentials (user:password@host); give the "
                "bare URL and call client.login(username, password). (The URL is not repeated "
                "here because it holds a password.)"
            )
        shown = DEFAULT_REDACTOR.url(text)
        if not _SCHEME.match(text) or "://" not in text:
            raise ValueError(
                f"Keystone URL {shown!r} has no scheme; give the full address, {_EXAMPLE}"
            )
        try:
            parts = urlsplit(text)
        except ValueError as exc:
            raise ValueError(
                f"Keystone URL {shown!r} is not a valid URL ({exc}); {_EXAMPLE}"
            ) from None
        try:
            port = parts.port
        except ValueError:
            raise ValueError(f"Keystone URL {shown!r} has an invalid port; {_EXAMPLE}") from None
        scheme = parts.scheme.lower()
        if scheme not in _DEFAULT_PORTS:
            raise ValueError(
                f"Keystone URL {shown!r} uses the scheme {parts.scheme!r}; only http and https "
                f"are supported, {_EXAMPLE}"
            )
        if not parts.hostname:
            raise ValueError(f"Keystone URL {shown!r} has no host name; {_EXAMPLE}")
        if parts.query or parts.fragment:
            raise ValueError(
                f"Keystone URL {shown!r} has a query or fragment; give only the address and "
                f"path of the API, {_EXAMPLE}"
            )
        self.origin = _origin_of(scheme, parts.hostname.lower(), port)
        self.origin_prefix = self.origin + "/"
        segments = [s for s in parts.path.split("/") if s]
        self.url = self.origin_prefix + "".join(f"{s}/" for s in segments)

    def join(self, endpoint: str) -> str:
        """The absolute URL for ``endpoint``.

        A relative endpoint goes under the base path with exactly one slash between segments
        and a trailing slash; a leading ``/`` is relative to the base path too. ``.`` and
        ``..`` segments are refused (they would leave the base path). An absolute URL is kept
        as given; whether it may carry credentials is decided by :meth:`is_own_origin`.
        """
        plain = _PLAIN_PATH.match(endpoint.lstrip("/"))
        if plain is not None:
            if "//" not in plain.string and plain.string:
                return f"{self.url}{plain.string.rstrip('/')}/"
            return self.url + "".join(f"{s}/" for s in plain.string.split("/") if s)
        if _SCHEME.match(endpoint) and "://" in endpoint:
            return endpoint
        path, sep, query = endpoint.partition("?")
        path = path.partition("#")[0]
        query = query.partition("#")[0]
        segments = []
        for segment in path.split("/"):
            if not segment:
                continue
            if unquote(segment) in (".", ".."):
                raise ValueError(
                    f"endpoint {DEFAULT_REDACTOR.url(endpoint)!r} contains a '{segment}' "
                    "segment; give the path under the API root without '.' or '..', e.g. "
                    "'allocations/clusters/1/'"
                )
            segments.append(quote(segment, safe=_PATH_SAFE))
        url = self.url + "".join(f"{s}/" for s in segments)
        return f"{url}?{query}" if sep and query else url

    def is_own_origin(self, url: str) -> bool:
        """Whether ``url`` (absolute) points at the same scheme, host and port as the base."""
        if url.startswith(self.origin_prefix):
            return True
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            return False
        if parts.username is not None or not parts.hostname:
            return False
        scheme = parts.scheme.lower()
        return _origin_of(scheme, parts.hostname.lower(), port) == self.origin and (
            parts.path.startswith("/") or not parts.path
        )

    def __repr__(self) -> str:
        return f"BaseURL({self.url!r})"
