"""Timeouts: the forms a caller may give, checked once, when given, into a urllib3 ``Timeout``.

A timeout is seconds for connecting and for each read: one number for both, a
``(connect, read)`` pair, a urllib3 ``Timeout``, or ``None`` to wait forever. Every number
must be positive and finite: ``nan`` would only fail once the request was on the wire, and
``inf`` overflows the socket layer, so both are refused here, before anything is sent, with
the value named.
"""

from __future__ import annotations

import math
from typing import Final, TypeGuard

from urllib3.util import Timeout

from keystone._clock import SYSTEM_CLOCK, Clock

#: The longest timeout or wait the client accepts (about 115 days): longer ones overflow the
#: operating system's timers, so they are refused when given rather than failing mid-call.
LONGEST_WAIT = 1e7

#: Seconds to wait for a connection and for each read, as the seed client did for reads.
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 15.0


class DefaultTimeout:
    """The type of :data:`DEFAULT_TIMEOUT`: "use the client's default", distinct from ``None``."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "DEFAULT_TIMEOUT"

    def __reduce__(self) -> str:
        return "DEFAULT_TIMEOUT"  # unpickles as the one marker, so ``is`` checks still hold


#: Pass (or leave) this to use the client's default timeout.
DEFAULT_TIMEOUT: Final = DefaultTimeout()

#: A timeout as callers give it: seconds for connect and read, a ``(connect, read)`` pair,
#: a urllib3 ``Timeout``, ``None`` to wait forever, or :data:`DEFAULT_TIMEOUT`.
TimeoutLike = float | tuple[float | None, float | None] | Timeout | DefaultTimeout | None

_HELP = (
    "give a positive number of seconds (at most 1e7), a (connect, read) pair of them, or None "
    "to wait forever"
)


def is_seconds(value: object) -> TypeGuard[float]:
    """Whether ``value`` is a usable number of seconds: positive, finite, at most a few months."""
    return (
        not isinstance(value, bool)
        and isinstance(value, (int, float))
        and math.isfinite(value)
        and 0 < value <= LONGEST_WAIT
    )


def _seconds(value: object, what: str, given: object) -> float | None:
    if value is None:
        return None
    if not is_seconds(value):
        raise ValueError(f"timeout={given!r}: the {what} {value!r} is not usable; {_HELP}")
    return float(value)


def to_timeout(timeout: TimeoutLike, default: Timeout | None = None) -> Timeout:
    """The urllib3 ``Timeout`` for ``timeout``, or ``ValueError`` naming the bad value.

    :data:`DEFAULT_TIMEOUT` gives ``default`` (required then).
    """
    if isinstance(timeout, DefaultTimeout):
        if default is None:
            raise ValueError("DEFAULT_TIMEOUT needs a default timeout to stand for")
        return default
    if isinstance(timeout, Timeout):
        for what in ("connect", "read", "total"):
            value = getattr(timeout, f"_{what}", None)
            if isinstance(value, (int, float)):
                _seconds(value, f"{what} timeout", timeout)
        return timeout
    if isinstance(timeout, tuple):
        if len(timeout) != 2:
            raise ValueError(f"timeout={timeout!r} has {len(timeout)} elements; {_HELP}")
        connect = _seconds(timeout[0], "connect timeout", timeout)
        read = _seconds(timeout[1], "read timeout", timeout)
        return Timeout(connect=connect, read=read)
    if timeout is None:
        return Timeout(connect=None, read=None)
    seconds = _seconds(timeout, "timeout", timeout)
    return Timeout(connect=seconds, read=seconds)


class CallDeadline:
    """When a call must be over: ``seconds`` after it started, on the client's clock.

    One deadline, on one clock: the one the retry waits and the throttle run on (a test's
    ``FakeClock`` moves all of them together). It travels on ``request.call.deadline``; the
    transport turns what is left of it into socket time when it sends.
    """

    __slots__ = ("at", "clock", "seconds")

    def __init__(self, seconds: float, clock: Clock = SYSTEM_CLOCK) -> None:
        self.clock = clock
        self.seconds = seconds
        self.at = clock.monotonic() + seconds

    def left(self) -> float:
        """Seconds left before the deadline (negative once it has passed)."""
        return self.at - self.clock.monotonic()

    def pause(self, seconds: float) -> None:
        """Move the deadline on by ``seconds`` the call spent waiting for a throttle: the
        server's time, which the call's own does not count."""
        self.at += seconds

    def __repr__(self) -> str:
        return f"CallDeadline({self.seconds:g} s, {self.left():.3f} s left)"
