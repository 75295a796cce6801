"""Validation of what identifies and fills a record, before any request is made.

An id goes into the path (``allocations/clusters/<id>/``), so anything but a positive integer
could address a different endpoint (``"1/../users"``) or a list (``""``): it is refused with a
``ValueError``. A new record's fields come as a mapping, as keywords, or both, never one field
twice.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Mapping
from typing import Any

_DIGITS = re.compile(r"[0-9]+")


def record_key(pk: Any, method: str) -> str:
    """``pk`` as the path segment of a record, or ``ValueError`` naming the bad value.

    Accepted: a positive ``int`` (or any integer type with ``__index__``, such as numpy's) and
    a string of ASCII digits with a positive value. Refused: booleans, floats, zero, negative
    numbers, ``None``, empty or non-digit strings. ``method`` names the caller in the message.
    """
    if pk.__class__ is int and pk > 0:
        return str(pk)  # the usual case
    if isinstance(pk, str):
        if _DIGITS.fullmatch(pk) and int(pk) > 0:
            return str(int(pk))
    elif not isinstance(pk, bool):
        try:
            number = operator.index(pk)
        except TypeError:
            pass
        else:
            if number > 0:
                return str(number)
    raise ValueError(
        f"{method}: pk must be a positive integer or a string of digits (the record's id), "
        f"not {pk!r}"
    )


def record_fields(fields: object, more: Mapping[str, Any], method: str) -> dict[str, Any]:
    """The fields of a new record: the ``fields`` mapping (if any) and the keyword ``more``.

    A field given both ways is a ``TypeError`` (which one was meant is not ours to guess).
    """
    data: dict[str, Any] = {}
    if fields is not None:
        if not isinstance(fields, Mapping):
            raise TypeError(
                f"{method}: the positional argument must be a mapping of field values, "
                f"not {type(fields).__name__}; or pass the fields as keyword arguments"
            )
        data.update(fields)
    twice = sorted(set(data) & set(more))
    if twice:
        raise TypeError(
            f"{method}: field(s) {', '.join(twice)} given both in the mapping and as keywords"
        )
    data.update(more)
    return data
