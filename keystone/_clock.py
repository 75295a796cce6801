"""The client's sense of time, in one seam: token lifetimes, retry waits, deadlines.

Everything in the client that waits or compares times goes through a :class:`Clock`, so a test
can run an hour of token renewals or a minute of backoff in no time with
``keystone.testing.FakeClock``. Socket timeouts are the one exception: they are real time,
kept by the operating system.
"""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """``time()`` (wall clock, for token expiry dates), ``monotonic()`` and ``sleep()``."""

    def time(self) -> float: ...

    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock: :func:`time.time`, :func:`time.monotonic` and :func:`time.sleep`."""

    __slots__ = ()

    def time(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def __repr__(self) -> str:
        return "SYSTEM_CLOCK"

    def __reduce__(self) -> str:
        return "SYSTEM_CLOCK"


#: The clock of every client that was not given another one.
SYSTEM_CLOCK = SystemClock()


async def sleep_async(clock: Clock, seconds: float) -> None:
    """Wait ``seconds`` on ``clock`` in a task, letting the event loop run meanwhile.

    The system clock waits with ``asyncio.sleep``; a clock with its own ``sleep_async`` (such
    as ``keystone.testing.FakeClock``) with that; any other clock's ``sleep`` is taken to be
    instant (a test's), and the task then yields to the loop once.
    """
    import asyncio

    if isinstance(clock, SystemClock):
        await asyncio.sleep(seconds)
        return
    own = getattr(clock, "sleep_async", None)
    if own is not None:
        await own(seconds)
        return
    clock.sleep(seconds)
    await asyncio.sleep(0)
