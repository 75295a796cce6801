"""Reading a cookie's ``Expires`` date the lenient way RFC 6265 5.1.1 prescribes.

Servers write it in several forms: ``Thu, 01 Jan 1970 00:00:00 GMT`` (Django's),
``Thursday, 01-Jan-70 00:00:00 GMT`` (the old Netscape form), ``Thu Jan  1 00:00:00 1970``.
The algorithm reads the tokens between delimiters, taking the first time, day of month, month
and year it recognises, so all of them, and the odd ones besides, come out the same.
"""

from __future__ import annotations

import calendar
import datetime
import re

#: The longest lifetime a cookie gets, whatever its ``Max-Age`` or ``Expires`` say (RFC 6265bis).
MAX_LIFETIME = 400 * 24 * 3600

_DELIMITERS = re.compile(r"[\x09\x20-\x2f\x3b-\x40\x5b-\x60\x7b-\x7e]+")
_TIME = re.compile(r"([0-9]{1,2}):([0-9]{1,2}):([0-9]{1,2})(?:[^0-9]|\Z)")
_DAY = re.compile(r"([0-9]{1,2})(?:[^0-9]|\Z)")
_YEAR = re.compile(r"([0-9]{2,4})(?:[^0-9]|\Z)")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def parse_cookie_date(text: str) -> float | None:
    """``text`` as seconds since the epoch (UTC), or ``None`` when it is not a date."""
    clock: tuple[int, int, int] | None = None
    day: int | None = None
    month: int | None = None
    year: int | None = None
    for token in _DELIMITERS.split(text):
        if not token:
            continue
        if clock is None and (found := _TIME.match(token)):
            clock = (int(found[1]), int(found[2]), int(found[3]))
        elif day is None and (found := _DAY.match(token)):
            day = int(found[1])
        elif month is None and token[:3].lower() in _MONTHS:
            month = _MONTHS.index(token[:3].lower()) + 1
        elif year is None and (found := _YEAR.match(token)):
            year = int(found[1])
    if clock is None or day is None or month is None or year is None:
        return None
    if 70 <= year <= 99:
        year += 1900
    elif 0 <= year <= 69:
        year += 2000
    hour, minute, second = clock
    if year < 1601 or hour > 23 or minute > 59 or second > 59:
        return None
    try:
        moment = datetime.datetime(year, month, day, hour, minute, second)
    except ValueError:  # e.g. the 31st of February
        return None
    return float(calendar.timegm(moment.timetuple()))
