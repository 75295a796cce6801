"""Request headers: one case-insensitive store, so ``authorization`` and ``Authorization`` are one.

HTTP header names are case-insensitive (RFC 9110 5.1). A plain dict would let a caller's
``{"authorization": ...}`` sit beside the client's own ``Authorization``, send both, and slip
past the rule that credentials never go to another origin. :class:`Headers` keeps one entry per
name whatever its spelling, remembers the spelling last given (that is what goes on the wire),
and checks every name and value as it is set, so a bad header fails before any request is sent.
"""

from __future__ import annotations

import re
from collections.abc import ItemsView, Iterable, Iterator, Mapping, MutableMapping
from typing import Any

#: A header name is an RFC 9110 token.
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")
#: Control characters a header value must not hold (HTAB is allowed).
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
#: Headers that frame the message: urllib3 writes them from the body, nobody else may.
_FRAMING = frozenset({"content-length", "transfer-encoding"})


#: Names already found valid (a few dozen in practice), so each is checked once, not per request.
_VALID_NAMES: set[str] = set()
_VALID_NAMES_MAX = 512


def _checked(name: Any, value: Any) -> tuple[str, str]:
    if name.__class__ is str and name in _VALID_NAMES:
        pass
    elif not isinstance(name, str) or not _TOKEN.match(name):
        raise ValueError(
            f"header name {name!r} is not a valid HTTP header name (letters, digits and "
            "!#$%&'*+-.^_`|~ only)"
        )
    elif name.lower() in _FRAMING:
        raise ValueError(
            f"header {name!r} is set by the client from the body it sends; a different value "
            "would make the server read the message wrongly (request smuggling), so leave it out"
        )
    elif len(_VALID_NAMES) < _VALID_NAMES_MAX:
        _VALID_NAMES.add(name)
    if not isinstance(value, str):
        raise TypeError(f"header {name!r} must have a str value, not {type(value).__name__}")
    if value.isascii() and value.isprintable():
        return name, value  # the usual value: no control character, nothing beyond Latin-1
    if _CONTROL.search(value):
        raise ValueError(
            f"header {name!r} has a line break or control character in its value, which would "
            "corrupt the request (header injection); remove it"
        )
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        raise ValueError(
            f"header {name!r} has characters that HTTP/1.1 headers cannot carry (only "
            "ISO-8859-1); percent-encode or base64 the value first"
        ) from None
    return name, value


class Headers(MutableMapping[str, str]):
    """A case-insensitive mapping of header names to values; see the module docstring."""

    __slots__ = ("_store",)

    def __init__(self, headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None):
        self._store: dict[str, tuple[str, str]] = {}
        if headers is not None:
            if isinstance(headers, (str, bytes)):
                raise TypeError(
                    f"headers must be a mapping such as {{'X-Job': 'nightly'}}, not {headers!r}"
                )
            self.update(headers)

    def __setitem__(self, name: str, value: str) -> None:
        name, value = _checked(name, value)
        self._store[name.lower()] = (name, value)

    def __getitem__(self, name: str) -> str:
        return self._store[name.lower()][1]

    def __delitem__(self, name: str) -> None:
        del self._store[name.lower()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._store

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._store.values())

    def __len__(self) -> int:
        return len(self._store)

    def get(self, name: str, default: Any = None) -> Any:
        entry = self._store.get(name.lower())
        return default if entry is None else entry[1]

    def pop(self, name: str, *default: Any) -> Any:
        entry = self._store.pop(name.lower(), None)
        if entry is not None:
            return entry[1]
        if default:
            return default[0]
        raise KeyError(name)

    def setdefault(self, name: str, default: str = "") -> str:
        entry = self._store.get(name.lower())
        if entry is not None:
            return entry[1]
        self[name] = default
        return default

    def items(self) -> ItemsView[str, str]:
        return _Items(self)

    def copy(self) -> Headers:
        """An independent copy (values are strings, so shallow is enough)."""
        clone = Headers.__new__(Headers)
        clone._store = self._store.copy()
        return clone

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            theirs = other if isinstance(other, Headers) else Headers(other)
            return {k: v for k, (_, v) in self._store.items()} == {
                k: v for k, (_, v) in theirs._store.items()
            }
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        from keystone._redaction import DEFAULT_REDACTOR

        return f"Headers({DEFAULT_REDACTOR.headers_of(self)!r})"


class _Items(ItemsView[str, str]):
    """``(name, value)`` pairs straight from the store, without a lookup per name."""

    _mapping: Headers

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._mapping._store.values())
