"""Encoding of query parameters the way Keystone (django-filter) reads them.

A sequence becomes ONE comma-joined value (``id__in=1,2``): repeated parameters make the
server keep only the last one. Booleans are ``true``/``false``, dates and datetimes ISO 8601.
``None`` is refused because it has no unambiguous encoding (``field__isnull=True`` says it),
and so is a list item containing a comma: the server splits on commas and has no escape, so
``{"name__in": ["Smith, J"]}`` would silently match nothing.
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
    if isinstance(value, str):
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
    if isinstance(value, bytes):
        return value.decode("utf-8")
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
