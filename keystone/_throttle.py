"""The client's throttle: when each of its requests may go, one state for all its threads.

Keystone throttles each user (Django REST framework's rate throttles: at most *n* requests in
any window of *d* seconds, 300 a minute by default from Keystone 0.5.14 on). A request over
the rate is refused with 429 and a ``Retry-After``, the seconds until the window has room;
refused requests do not count. A client whose threads each learn that on their own keeps
hitting the wall: every thread's next request is refused too, and each call spends its retries
and its deadline on refusals.

Here two things hold a client's requests back, for all its threads at once:

- **what the server said**: a throttle's answer (a 429 with ``Retry-After``, an atomic job
  whose step was throttled) holds every request of the client until then, not only the call
  that got it (:meth:`Throttle.hold`);
- **the client's own rate** (``rate_limit="250/min"``): the server's kind of window, at most
  *n* sends in any *d* seconds, so a job stays under the server's throttle instead of
  learning it from refusals.

Each request reserves the earliest moment it may go (:meth:`Throttle.reserve`): reservations
are handed out in the order requests arrive, so none waits behind a later one, and with a
``rate_limit`` the threads waiting for the window to reopen each get their own moment
instead of all waking together (after a hold alone, they all go when it ends, and the server
turns away what its window has no room for). The state holds no clock and never sleeps:
the layer that applies it (:mod:`keystone._chain.throttle`) waits, on the client's clock.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from keystone._locks import ForkSafeLock

#: DRF's rate periods (it reads the first letter: ``"m"``, ``"min"`` and ``"minute"`` alike).
_PERIODS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_RATE = re.compile(r"\s*(\d+)\s*/\s*([smhd][a-z]*)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Rate:
    """At most ``requests`` sends in any window of ``period`` seconds."""

    requests: int
    period: float

    @classmethod
    def parse(cls, text: object) -> Rate:
        """A rate in Django REST framework's syntax, as Keystone's settings give it:
        ``"250/min"``, ``"10/s"``, ``"5000/hour"``, ``"10000/day"``."""
        match = _RATE.fullmatch(text) if isinstance(text, str) else None
        if match is None or int(match.group(1)) < 1:
            raise ValueError(
                f"rate_limit={text!r} is not a rate: give requests per period as the server's "
                "settings write it, e.g. rate_limit='250/min' (periods: s, min, hour, day)"
            )
        return cls(int(match.group(1)), _PERIODS[match.group(2)[0].lower()])

    @property
    def margin(self) -> float:
        """How much later than the window allows a send is placed (1% of the period, at most
        0.25 s): a request reaches the server a little after it leaves, and one that arrives a
        few milliseconds early is refused for a whole second or more."""
        return min(0.25, self.period / 100)

    def __str__(self) -> str:
        unit = {1.0: "s", 60.0: "min", 3600.0: "hour", 86400.0: "day"}.get(self.period)
        return f"{self.requests}/{unit}" if unit else f"{self.requests}/{self.period:g}s"


class Throttle:
    """When the next request of one client may go; safe to share between threads.

    Times are on the client's monotonic clock, given by the caller.
    """

    def __init__(self, rate: Rate | None = None) -> None:
        self.rate = rate
        self._lock = ForkSafeLock()  # a child forked mid-reservation can still reserve
        self._held_until = float("-inf")
        self._sends: list[float] = []  # the reserved send times still in a window, ascending

    @property
    def held_until(self) -> float:
        """Until when the server asked the client to send nothing (in the past: no hold)."""
        return self._held_until

    def hold(self, until: float) -> bool:
        """Send nothing before ``until``; whether that moves the hold further."""
        with self._lock:
            if until <= self._held_until:
                return False
            self._held_until = until
            return True

    def reserve(self, now: float, cost: int = 1) -> float:
        """The earliest moment from ``now`` a request may go, taken for it.

        ``cost`` is how many of the server's requests it counts for (an atomic job of *n*
        steps counts *n* + 1). A reservation not used must be given back (:meth:`release`).
        """
        rate = self.rate
        if rate is None:  # no window to keep: the hold alone (one float, read at once)
            return max(now, self._held_until)
        with self._lock:
            at = max(now, self._held_until)
            cost = min(max(cost, 1), rate.requests)
            sends = self._sends
            del sends[: bisect.bisect_right(sends, now - rate.period)]  # in no window from now
            if sends:  # never before one reserved earlier: first come, first served
                at = max(at, sends[-1])
            room = rate.requests - cost  # sends that may stand in the window beside this one
            if len(sends) > room:
                at = max(at, sends[len(sends) - room - 1] + rate.period + rate.margin)
            for _ in range(cost):
                bisect.insort(sends, at)
            return at

    def release(self, at: float, cost: int = 1) -> None:
        """Give back a reservation made for ``at`` that was not used."""
        if self.rate is None:
            return
        with self._lock:
            for _ in range(min(max(cost, 1), self.rate.requests)):
                index = bisect.bisect_left(self._sends, at)
                if index < len(self._sends) and self._sends[index] == at:
                    del self._sends[index]

    def holds(self, at: float) -> bool:
        """Whether a hold the server asked for since covers ``at`` (go again for a new time)."""
        return at < self._held_until

    def __repr__(self) -> str:
        return f"<Throttle rate={self.rate}>"
