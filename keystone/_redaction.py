"""Removing credentials from headers, URLs and bodies before they are logged.

Keystone's session endpoints carry secrets in plain JSON fields (``password`` on login, the
``access`` and ``refresh`` tokens in its answers and in refresh/logout bodies) and every API
call carries ``Authorization: Bearer <access>``. A :class:`Redactor` replaces the values of such
headers and fields, at any depth of a JSON or form body, with ``***`` and leaves everything else
readable, so a DEBUG log shows what was sent without showing anything that grants access.
Text that is neither JSON nor a form is scrubbed of anything shaped like a JSON Web Token or a
``Bearer``/``Token`` credential.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from keystone._media import is_json_type

#: What a secret value is replaced with.
REDACTED = "***"

#: Headers whose value is a credential (compared case-insensitively).
SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-api-key",
        "x-auth-token",
        "x-csrftoken",
    }
)

#: JSON, form and query field names whose value is a credential (compared case-insensitively).
SECRET_FIELDS = frozenset(
    {
        "password",
        "access",
        "refresh",
        "token",
        "access_token",
        "refresh_token",
        "secret",
        "client_secret",
        "api_key",
        "key",
        "sessionid",
        "csrftoken",
        "csrfmiddlewaretoken",
    }
)

#: Nesting deeper than this is not inspected: it is replaced as a whole.
MAX_DEPTH = 32

_AUTH_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*) +\S")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*")
#: A credential after its scheme; 16+ characters so that prose ("Token is blacklisted") stays.
_CREDENTIAL = re.compile(r"\b(Bearer|Token|Basic)\s+[A-Za-z0-9._~+/=-]{16,}", re.IGNORECASE)
#: The ``user:password@`` of a URL inside free text.
_USERINFO = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.-]*://)[^/\s@]+@")


class Redactor:
    """Replaces secret header and field values with :data:`REDACTED`.

    ``fields`` and ``headers`` name more secrets on top of :data:`SECRET_FIELDS` and
    :data:`SECRET_HEADERS`, e.g. ``Redactor(fields={"ssh_key"})``. Instances are immutable and
    safe to share between threads.
    """

    __slots__ = ("_scrub_text", "fields", "headers")

    def __init__(self, fields: Iterable[str] = (), headers: Iterable[str] = ()) -> None:
        self.fields: frozenset[str] = SECRET_FIELDS | {f.lower() for f in _names(fields)}
        self.headers: frozenset[str] = SECRET_HEADERS | {h.lower() for h in _names(headers)}
        names = "|".join(sorted(re.escape(f) for f in self.fields))
        # "name": "value", name='value', name=value -> keep the name and quotes, hide the value.
        self._scrub_text = re.compile(
            rf"""(["']?\b(?:{names})\b["']?\s*[:=]\s*)("[^"]*"|'[^']*'|[^"'&\s,;}}\]]+)""",
            re.IGNORECASE,
        )

    def __repr__(self) -> str:
        extra = sorted(self.fields - SECRET_FIELDS)
        return f"<Redactor extra_fields={extra!r}>"

    # -- headers and URLs -------------------------------------------------------------------------

    def header(self, name: str, value: str) -> str:
        """The value of one header as it may be shown (``Bearer ***`` keeps the scheme)."""
        if name.lower() not in self.headers:
            return value
        scheme = _AUTH_SCHEME.match(value)
        return f"{scheme.group(1)} {REDACTED}" if scheme else REDACTED

    def headers_of(self, headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
        """A copy of ``headers`` with credentials hidden; repeated names are comma-joined."""
        pairs = headers.items() if isinstance(headers, Mapping) else headers
        shown: dict[str, str] = {}
        for name, value in pairs:
            value = self.header(name, str(value))
            shown[name] = f"{shown[name]}, {value}" if name in shown else value
        return shown

    def url(self, url: str) -> str:
        """``url`` with secret query parameters and any user:password part hidden."""
        if "?" not in url and "@" not in url:
            return url
        try:
            parts = urlsplit(url)
        except ValueError:  # not even splittable (e.g. "http://[::1?x"): show none of it
            return REDACTED
        netloc = parts.netloc
        if "@" in netloc:
            netloc = f"{REDACTED}@{netloc.rpartition('@')[2]}"
        query = parts.query
        if query:
            pairs = parse_qsl(query, keep_blank_values=True)
            if any(k.lower() in self.fields for k, _ in pairs):
                query = urlencode(
                    [(k, REDACTED if k.lower() in self.fields else v) for k, v in pairs],
                    safe="*,",
                )
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))

    # -- bodies ---------------------------------------------------------------------------------

    def value(self, data: Any, _depth: int = 0, *, messages: bool = False) -> Any:
        """A copy of a decoded JSON value with secret fields hidden at any depth.

        With ``messages`` (the body of an error answer), a secret field holding a list of
        texts is the server's words about the field (``"password": ["This field may not be
        blank."]``, as Django REST framework reports it) and is shown, scrubbed as free text.
        """
        if _depth > MAX_DEPTH:
            return REDACTED
        if isinstance(data, dict):
            return {
                key: (
                    self._secret(item, messages)
                    if isinstance(key, str) and key.lower() in self.fields and item is not None
                    else self.value(item, _depth + 1, messages=messages)
                )
                for key, item in data.items()
            }
        if isinstance(data, (list, tuple)):
            return [self.value(item, _depth + 1, messages=messages) for item in data]
        if isinstance(data, str):
            return self.text(data)
        return data

    def _secret(self, item: Any, messages: bool) -> Any:
        if messages and isinstance(item, list) and item and all(isinstance(m, str) for m in item):
            return [self.text(message) for message in item]
        return REDACTED

    def text(self, text: str) -> str:
        """Free text with ``name=value`` secrets, JWTs and ``Bearer ...`` credentials hidden."""
        if not text:
            return text
        text = _JWT.sub(REDACTED, text)
        text = _USERINFO.sub(rf"\1{REDACTED}@", text)
        text = _CREDENTIAL.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
        return self._scrub_text.sub(_hide_value, text)

    def content(self, body: bytes, content_type: str | None) -> bytes:
        """An error answer's body with its secrets hidden, still a body of the same kind.

        What an error keeps when pickled: a page may echo the request's cookies or
        ``Authorization``. JSON is redacted as :meth:`value` does with ``messages``; text as
        :meth:`text`; a body that is neither (not decodable) is dropped: it cannot be checked.
        """
        if not body:
            return body
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return b""
        kind = (content_type or "").split(";", 1)[0].strip().lower()
        if is_json_type(kind) or (not kind and text.lstrip()[:1] in ("{", "[")):
            try:
                decoded = json.loads(text)
            except (ValueError, RecursionError):
                return self.text(text).encode("utf-8")
            return json.dumps(self.value(decoded, messages=True), ensure_ascii=False).encode()
        return self.text(text).encode("utf-8")

    def body(
        self,
        body: bytes | None,
        content_type: str | None,
        limit: int = 4096,
        *,
        messages: bool = False,
    ) -> str:
        """A printable, redacted form of a request or response body, cut to ``limit`` chars.

        ``messages`` says the body is an error answer's: see :meth:`value`.

        JSON is decoded, redacted and re-encoded; form bodies are redacted field by field; other
        text goes through :meth:`text`; binary content and multipart uploads are shown by their
        size only. A body that
        claims to be JSON but does not parse is not shown (it could be a cut-off secret).
        """
        if not body:
            return ""
        kind = (content_type or "").split(";", 1)[0].strip().lower()
        if kind == "multipart/form-data":  # files, and fields the redactor cannot pick out
            return f"<{len(body)} bytes of multipart/form-data: not shown>"
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            return f"<{len(body)} bytes of binary content>"
        if kind == "application/x-www-form-urlencoded":
            pairs = parse_qsl(text, keep_blank_values=True)
            shown = urlencode(
                [(k, REDACTED if k.lower() in self.fields else self.text(v)) for k, v in pairs],
                safe="*,",
            )
        elif is_json_type(kind) or (not kind and text.lstrip()[:1] in ("{", "[")):
            try:
                decoded = json.loads(text)
            except (ValueError, RecursionError):
                return f"<{len(body)} bytes, not valid JSON: not shown>"
            shown = json.dumps(
                self.value(decoded, messages=messages), ensure_ascii=False, separators=(",", ":")
            )
        else:
            shown = self.text(text)
        if len(shown) > limit:
            return f"{shown[:limit]}... ({len(body)} bytes in all)"
        return shown


def _hide_value(match: re.Match[str]) -> str:
    value = match.group(2)
    quote = value[0] if value[0] in "\"'" else ""
    return f"{match.group(1)}{quote}{REDACTED}{quote}"


def _names(names: Iterable[str]) -> list[str]:
    if isinstance(names, str):
        raise TypeError(f"give a collection of names such as {{{names!r}}}, not one string")
    listed = list(names)
    odd = [name for name in listed if not isinstance(name, str)]
    if odd:
        raise TypeError(f"names to redact must be strings, not {odd[0]!r}")
    return listed


#: The redactor the built-in logging uses when none is configured.
DEFAULT_REDACTOR = Redactor()
