"""A ``requests.Response``-compatible view over the bytes urllib3 returned.

Scripts written against ``requests`` keep working (``status_code``, ``ok``, ``json()``,
``raise_for_status()``, ``text``, ``headers[...]`` in any case, ...), without ``requests`` being
installed. The body is held once, as urllib3 read it; ``text`` and ``json()`` decode lazily and
at most once, in the charset the server declared.
"""

from __future__ import annotations

import datetime
import json as _json
from collections.abc import Iterator, Mapping, MutableMapping
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

from urllib3 import HTTPHeaderDict

from keystone._bodies import decode_text, snippet
from keystone._errors import ResponseDecodeError, shown_url
from keystone._http_errors import error_for_response
from keystone._media import is_json_type
from keystone._redaction import DEFAULT_REDACTOR

if TYPE_CHECKING:
    from keystone._request import Request


class _Unset:
    """Marks a value not computed yet; one instance, which pickling keeps."""

    __slots__ = ()

    def __reduce__(self) -> str:
        return "_UNSET"


_UNSET: Any = _Unset()
_UTF8 = frozenset({"utf-8", "utf8", "UTF-8"})


def _reason_for(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


class Response:
    """The server's answer to one :class:`~keystone.Request`.

    ``json()`` returns the same decoded object on every call (decoded once); copy it before
    mutating if the original is needed again. For answers made up in tests (see
    ``keystone.testing.MockTransport``), ``json=`` or ``text=`` give the body and its
    ``Content-Type`` in one go: ``Response(200, json={"id": 1})``.
    """

    __slots__ = (
        "_encoding",
        "_json",
        "_text",
        "content",
        "elapsed",
        "headers",
        "reason",
        "request",
        "status_code",
        "url",
    )

    def __init__(
        self,
        status_code: int,
        *,
        content: bytes = b"",
        headers: Mapping[str, str] | None = None,
        url: str = "",
        reason: str | None = None,
        request: Request | None = None,
        elapsed: datetime.timedelta | None = None,
        json: Any = _UNSET,
        text: str | None = None,
    ) -> None:
        self.status_code = status_code
        self.headers: MutableMapping[str, str] = (
            headers if isinstance(headers, HTTPHeaderDict) else HTTPHeaderDict(headers or {})
        )
        if json is not _UNSET:
            content = _json.dumps(json).encode("utf-8")
            self.headers.setdefault("Content-Type", "application/json")
        elif text is not None:
            content = text.encode("utf-8")
            self.headers.setdefault("Content-Type", "text/plain; charset=utf-8")
        self.content = content
        self.url = url
        self.reason = reason if reason else _reason_for(status_code)
        self.request = request
        self.elapsed = elapsed if elapsed is not None else datetime.timedelta(0)
        self._encoding: str | None = _UNSET
        self._text: str | None = None
        self._json: Any = _UNSET

    # -- status -------------------------------------------------------------------------------

    @property
    def ok(self) -> bool:
        """``True`` for a status below 400."""
        return self.status_code < 400

    def __bool__(self) -> bool:
        return self.status_code < 400

    @property
    def is_redirect(self) -> bool:
        """``True`` for a 3xx with a ``Location`` (returned to the caller, never followed)."""
        return 300 <= self.status_code < 400 and "Location" in self.headers

    @property
    def history(self) -> list[Response]:
        """Always empty: redirects are never followed."""
        return []

    def raise_for_status(self) -> None:
        """Raise the matching :class:`~keystone.HTTPError` subclass for 4xx/5xx."""
        if self.status_code >= 400:
            raise error_for_response(self)

    # -- body ---------------------------------------------------------------------------------

    @property
    def encoding(self) -> str | None:
        """The body's charset from ``Content-Type``; UTF-8 for JSON. Settable, as in requests."""
        if self._encoding is _UNSET:
            self._encoding = _charset_of(self.headers.get("Content-Type", ""))
        return self._encoding

    @encoding.setter
    def encoding(self, value: str | None) -> None:
        self._encoding = value
        self._text = None

    @property
    def text(self) -> str:
        """The body decoded with :attr:`encoding` (UTF-8 when unknown; bad bytes replaced)."""
        if self._text is None:
            self._text = decode_text(self.content, self.encoding)
        return self._text

    def json(self, **kwargs: Any) -> Any:
        """The body parsed as JSON, in the charset the server declared (UTF-8 by default).

        Raises :class:`~keystone.ResponseDecodeError` (a ``json.JSONDecodeError``) with a
        snippet of the body when it is not JSON, e.g. Keystone's HTML 404 page.
        """
        if kwargs:
            return self._decode(**kwargs)
        if self._json is _UNSET:
            self._json = self._decode()
        return self._json

    def take_json(self) -> Any:
        """Decode the body and release its bytes, for callers that need nothing else from it.

        ``json()`` keeps ``content`` alive while decoding, so the bytes, their decoded text and
        the objects coexist; here the bytes are handed to the decoder as their last reference,
        which lowers the peak memory of a large list by the size of the body. Afterwards
        ``content`` is empty and ``json()`` returns the same decoded value.
        """
        if self._json is not _UNSET:
            return self._json
        if self._declared_charset() is not None:
            return self.json()
        holder = [self.content]
        self.content = b""
        try:
            self._json = _json.loads(holder.pop())
            return self._json
        except (ValueError, RecursionError) as exc:
            doc = getattr(exc, "doc", None)
            raw = getattr(exc, "object", None)
            self.content = raw if isinstance(raw, bytes) else str(doc or "").encode("utf-8")
            failure = None if self.content else self._not_json(exc)
        if failure is not None:  # raised out of the handler, as in _decode
            raise failure
        return self._decode()  # the body back in place: decoded again, to say what is wrong

    def _declared_charset(self) -> str | None:
        """A charset the server declared that is not UTF-8 (JSON's own default), if any."""
        charset = self.encoding
        if charset is None or charset in _UTF8:
            return None
        if charset.lower().replace("-", "").replace("_", "") == "utf8":
            return None
        return charset

    def _decode(self, **kwargs: Any) -> Any:
        charset = self._declared_charset()
        document: str | bytes = self.content if charset is None else self.text
        try:
            return _json.loads(document, **kwargs)
        except (ValueError, RecursionError) as exc:
            failure = self._not_json(exc)
        # Raised here, not in the handler: json's error, which keeps the whole body as its
        # ``doc``, is then no ``__context__`` of ours, which would travel with it.
        raise failure

    def _not_json(self, exc: BaseException) -> ResponseDecodeError:
        text = self.text
        method = f"{self.request.method} " if self.request is not None else ""
        kind = self.headers.get("Content-Type") or "no Content-Type"
        reason = "nested too deeply to parse" if isinstance(exc, RecursionError) else str(exc)
        where = f"{method}{shown_url(self.url, self.request)}"
        message = (
            f"{where} returned {self.status_code} ({kind}) with a "
            f"body that is not JSON ({reason}); body starts: {snippet(text)!r}. Check that the "
            "URL is the Keystone API root and that no proxy or login page answers in its place."
        )
        pos = exc.pos if isinstance(exc, _json.JSONDecodeError) else 0
        return ResponseDecodeError(message, text, pos, response=self)

    def iter_content(
        self, chunk_size: int | None = 1, decode_unicode: bool = False
    ) -> Iterator[Any]:
        """Yield the body in chunks of ``chunk_size`` bytes (all at once when ``None``)."""
        size = chunk_size or len(self.content) or 1
        data: Any = self.text if decode_unicode else self.content
        for start in range(0, len(data), size):
            yield data[start : start + size]

    def iter_lines(
        self,
        chunk_size: int = 512,
        decode_unicode: bool = False,
        delimiter: str | bytes | None = None,
    ) -> Iterator[Any]:
        """Yield the body line by line, without line endings."""
        data: Any = self.text if decode_unicode else self.content
        lines = data.split(delimiter) if delimiter is not None else data.splitlines()
        yield from lines

    @property
    def links(self) -> dict[str, dict[str, str]]:
        """Parsed ``Link`` header, keyed by ``rel`` (empty when absent)."""
        header = self.headers.get("Link")
        if not header:
            return {}
        links: dict[str, dict[str, str]] = {}
        for part in header.split(","):
            url, _, params = part.partition(";")
            link = {"url": url.strip().strip("<>")}
            for param in params.split(";"):
                key, _, value = param.partition("=")
                if key.strip():
                    link[key.strip()] = value.strip().strip("\"'")
            links[link.get("rel", link["url"])] = link
        return links

    def close(self) -> None:
        """Nothing to release: the body was read and the connection returned to the pool."""

    def __enter__(self) -> Response:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Response [{self.status_code}]>"

    def __getstate__(self) -> tuple[None, dict[str, Any]]:
        """Pickle every field, with the URL's credentials and secret parameters hidden, the
        values of secret headers (``Set-Cookie`` of a session, ...) too, and, in an error
        answer, whatever of its body looks like a secret.

        A success's body is the data asked for (a new API token's key among them) and stays,
        unless the response travels with an error (see :meth:`without_secrets`).
        """
        return None, self._state(body=self.status_code >= 400)

    def without_secrets(self) -> Response:
        """A copy with the URL's, the headers' and the body's secrets hidden, whatever the
        status: what an error keeps of the answer it is about when it is pickled (a proxy's
        page may echo the request's cookies with a 200)."""
        copy = Response.__new__(Response)
        for name, value in self._state(body=True).items():
            object.__setattr__(copy, name, value)
        return copy

    def _state(self, body: bool) -> dict[str, Any]:
        state = {name: getattr(self, name) for name in self.__slots__}
        state["url"] = shown_url(self.url, self.request)
        redactor = DEFAULT_REDACTOR if self.request is None else self.request.call.redactor
        if body:
            state["content"] = redactor.content(self.content, self.headers.get("Content-Type"))
            state["_text"], state["_json"] = None, _UNSET
        headers = HTTPHeaderDict()
        pairs = getattr(self.headers, "iteritems", self.headers.items)()  # each Set-Cookie
        for name, value in pairs:
            headers.add(name, redactor.header(name, value))
        state["headers"] = headers
        return state


def _charset_of(content_type: str) -> str | None:
    if content_type == "application/json":  # what Keystone sends: no parameters to read
        return "utf-8"
    _, _, params = content_type.partition(";")
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset":
            return value.strip().strip("\"'") or None
    return "utf-8" if is_json_type(content_type) else None
