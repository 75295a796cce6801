"""Whether a filter can read a value, judged as the server's filters (django-filter) judge it.

Each declared filter reads one type of value (``keystone.resources.declared``). A value it
cannot read is worse than a typo for one type: a boolean filter reads ``true``, ``false``,
``1`` and ``0`` in any case, and answers anything else (``"no"``, ``"yes"``) by not
filtering at all, so ``{"enabled": "no"}`` matches every record. The other types answer 400,
which is an error but a late one; every value is checked here, before anything is sent.
"""

from __future__ import annotations

import datetime
import decimal
import re

from keystone._servers import Server

#: What django-filter's BooleanWidget reads (after lower-casing); anything else is "no filter".
BOOLEAN_TEXT = frozenset({"true", "false", "1", "0"})
_INTEGER = re.compile(r"\s*[+-]?\d+(\.0*)?\s*")
#: Django's default DATE_INPUT_FORMATS.
DATE_FORMATS = (
    "%Y-%m-%d",
    "%m/%d/%Y",
    "%m/%d/%y",
    "%b %d %Y",
    "%b %d, %Y",
    "%d %b %Y",
    "%d %b, %Y",
    "%B %d %Y",
    "%B %d, %Y",
    "%d %B %Y",
    "%d %B, %Y",
)
#: Django's default DATETIME_INPUT_FORMATS besides ISO 8601 (which it reads first).
DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d %H:%M",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M:%S.%f",
    "%m/%d/%Y %H:%M",
    "%m/%d/%y %H:%M:%S",
    "%m/%d/%y %H:%M:%S.%f",
    "%m/%d/%y %H:%M",
)


def _strptime(text: str, formats: tuple[str, ...]) -> bool:
    for layout in formats:
        try:
            datetime.datetime.strptime(text, layout)
        except ValueError:
            continue
        return True
    return False


def _is_date_time(text: str) -> bool:
    iso = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
    try:
        datetime.datetime.fromisoformat(iso)
    except ValueError:
        return _strptime(text, DATETIME_FORMATS) or _strptime(text, DATE_FORMATS)
    return True


def _is_number(text: str) -> bool:
    try:
        return decimal.Decimal(text.strip()).is_finite()
    except decimal.InvalidOperation:
        return False


def reads(kind: str, text: str) -> bool:
    """Whether a filter of type ``kind`` (no ``[]``) reads ``text`` as a value."""
    if kind == "boolean":
        return text.lower() in BOOLEAN_TEXT
    if kind == "integer":
        return _INTEGER.fullmatch(text) is not None
    if kind == "number":
        return _is_number(text)
    if kind == "date":
        return _strptime(text.strip(), DATE_FORMATS)
    if kind == "date-time":
        return _is_date_time(text.strip())
    if kind.startswith("choice:"):
        return text in kind[len("choice:") :].split(",")
    return True


def describe(kind: str) -> str:
    """How a message names what a filter of type ``kind`` takes."""
    many = kind.endswith("[]")
    base = kind[:-2] if many else kind
    if base.startswith("choice:"):
        text = "one of " + ", ".join(repr(v) for v in base[len("choice:") :].split(","))
    else:
        text = {
            "boolean": "True or False",
            "integer": "a whole number",
            "number": "a number",
            "date": "a date such as datetime.date(2025, 1, 31) or '2025-01-31'",
            "date-time": "a date and time such as '2025-01-31T12:00:00Z'",
        }.get(base, "text")
    return f"a list of which each item is {text}" if many else text


def check_value(
    name: str, text: str, kind: str, *, subject: str, method: str, server: Server
) -> None:
    """``ValueError`` unless the filter ``name`` of type ``kind`` reads the encoded ``text``."""
    many = kind.endswith("[]")
    base = kind[:-2] if many else kind
    for item in text.split(",") if many else (text,):
        if reads(base, item):
            continue
        outcome = (
            "ignore the filter and match every record"
            if base == "boolean"
            else "refuse the request (400)"
        )
        shown = f"the item {item!r} of {text!r}" if many else repr(text)
        raise ValueError(
            f"{method}: the filter {name!r} of {subject} on {server.describe} takes "
            f"{describe(kind)}, not {shown}; the server would {outcome}, so nothing was sent."
        )
