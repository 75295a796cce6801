"""Encoding of query parameters the way Keystone (django-filter) reads them.

A sequence becomes ONE comma-joined value (``id__in=1,2``): repeated parameters make the
server keep only the last one. Booleans are ``true``/``false``, dates and datetimes ISO 8601.
``None`` is refused because it has no unambiguous encoding (``field__isnull=True`` says it),
and so is a list item containing a comma: the server splits on commas and has no escape, so
``{"name__in": ["Smith, J"]}`` would silently match nothing. An empty or blank string is
refused too: the server drops empty filter values, so ``{"name": ""}`` would match every record
(in a script that deletes what it retrieves, everything).
"""

from __future__ import annotations

import datetime
import decimal
import enum
import math
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

_SAFE = ",:"


def encode_value(name: str, value: Any) -> str:
    """The query-string text for one parameter value (not yet percent-encoded)."""
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(
                f"query parameter {name!r} is bytes that are not UTF-8 ({value[:20]!r}); give a str"
            ) from None
    if isinstance(value, str):
        if not value.strip():
            raise ValueError(
                f"query parameter {name!r} is {value!r}: the server ignores an empty value, "
                "so the filter would match every record. Leave the parameter out, or give "
                "the value to match"
            )
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(
                f"query parameter {name!r} is {value!r}, which the server cannot compare "
                "with; give a finite number"
            )
        return repr(value)
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            raise ValueError(f"query parameter {name!r} is {value!r}; give a finite number")
        return str(value)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return encode_value(name, value.value)
    if value is None:
        raise ValueError(
            f"query parameter {name!r} is None, which has no query-string form; "
            f"to match empty values use {{'{name}__isnull': True}}, or leave the parameter out"
        )
    if isinstance(value, (set, frozenset)):
        try:
            value = sorted(value)
        except TypeError:
            value = sorted(value, key=str)
    if isinstance(value, (list, tuple)):
        if not value:
            raise ValueError(
                f"query parameter {name!r} is an empty sequence, which the server cannot match; "
                "leave the parameter out or give at least one value"
            )
        items = [encode_value(name, item) for item in value]
        for item in items:
            if "," in item:
                raise ValueError(
                    f"query parameter {name!r} has the list item {item!r}, which contains a "
                    "comma: the server splits list values on commas and has no escape for "
                    "them, so this item cannot be sent. Filter on another field (e.g. "
                    "__startswith, or the record ids), or match it alone without a list."
                )
        return ",".join(items)
    raise TypeError(
        f"query parameter {name!r} has a value of type {type(value).__name__} ({value!r}); "
        "use a str, number, bool, date/datetime, or a list/tuple/set of those"
    )


def encode_query(params: Mapping[str, Any]) -> str:
    """``params`` as a percent-encoded query string (without the leading ``?``)."""
    return "&".join(
        f"{quote(str(name), safe='')}={quote(encode_value(str(name), value), safe=_SAFE)}"
        for name, value in params.items()
    )


class Query(str):
    """A query string already encoded by :func:`encode_query`, passed as ``params`` as it is.

    Resource methods check and encode their filters once, when called; the base-URL layer then
    appends a ``Query`` unchanged instead of encoding it again.
    """

    __slots__ = ()


def checked_query(params: Mapping[str, Any] | Query | None, method: str) -> Query | None:
    """``params`` encoded now (refusing bad values before any request), or ``None``."""
    if params is None:
        return None
    if isinstance(params, Query):
        return params
    if not isinstance(params, Mapping):
        raise TypeError(
            f"{method}: query parameters must be a mapping such as {{'name': 'cluster-1'}}, "
            f"not {type(params).__name__} ({params!r})"
        )
    text = encode_query(params)
    return Query(text) if text else None
