"""Parsing of the ``Retry-After`` header (RFC 9110 10.2.3): delay-seconds or an HTTP date.

Parsed strictly: delay-seconds is ASCII digits only (``str.isdigit`` also accepts ``"²"``,
which ``int`` then refuses), and anything that is neither that nor a valid HTTP date is treated
as absent rather than raised. A wait too long to mean anything is read as
:data:`LONGEST_RETRY_AFTER`, so no arithmetic or ``sleep`` on it can overflow.
"""

from __future__ import annotations

import email.utils
import re
import time

#: The longest wait a ``Retry-After`` is read as (about 31 years); longer ones are clamped.
LONGEST_RETRY_AFTER = 1e9

_DELAY_SECONDS = re.compile(r"[0-9]+\Z", re.ASCII)


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait according to ``value``, or ``None`` when absent or unparseable.

    A date in the past gives ``0.0``; fractions and negative numbers are not delay-seconds.
    """
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if _DELAY_SECONDS.match(value):
        digits = value.lstrip("0") or "0"
        if len(digits) > len(str(int(LONGEST_RETRY_AFTER))):
            return LONGEST_RETRY_AFTER
        return min(float(int(digits)), LONGEST_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value)
        if when.tzinfo is None:
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return min(max(0.0, seconds), LONGEST_RETRY_AFTER)
