"""Validation of record ids before they become part of a URL.

An id goes into the path (``allocations/clusters/<id>/``), so anything but a positive integer
could address a different endpoint (``"1/../users"``) or a list (``""``). It is refused with a
``ValueError`` before any request is made.
"""

from __future__ import annotations

import operator
import re
from typing import Any

_DIGITS = re.compile(r"[0-9]+")


def record_key(pk: Any, method: str) -> str:
    """``pk`` as the path segment of a record, or ``ValueError`` naming the bad value.

    Accepted: a positive ``int`` (or any integer type with ``__index__``, such as numpy's) and
    a string of ASCII digits with a positive value. Refused: booleans, floats, zero, negative
    numbers, ``None``, empty or non-digit strings. ``method`` names the caller in the message.
    """
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
