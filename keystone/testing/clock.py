"""``FakeClock``: time that passes only when a test says so, for ``KeystoneClient(clock=...)``.

Token lifetimes, retry waits and batch deadlines all run on the client's monotonic clock, so a
test can skip past a token's renewal time or a minute of backoff without waiting::

    clock = FakeClock()
    client = KeystoneClient(url, clock=clock)
    client.login("admin", "admin")
    clock.advance(290)            # the 5-minute token is now about to expire
    client.http_get("version")    # ...so this renews it first

``advance(seconds)`` and ``sleep(seconds)`` (which returns at once; the waits asked for are in
:attr:`FakeClock.sleeps`) move the monotonic clock. The wall clock stays the real one unless
:meth:`advance_wall` moves it too: the client reads it only to judge the expiry dates a server
wrote into its tokens, and a real server's clock does not jump when a test's does. Socket
timeouts still run in real time.
"""

from __future__ import annotations

import threading
import time


class FakeClock:
    """A monotonic clock that moves only on :meth:`advance` or :meth:`sleep`; see the module."""

    def __init__(self) -> None:
        self._mono = 1_000.0
        self._wall_offset = 0.0
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def time(self) -> float:
        with self._lock:
            return time.time() + self._wall_offset

    def monotonic(self) -> float:
        with self._lock:
            return self._mono

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
        self.advance(seconds)

    def advance(self, seconds: float) -> None:
        """Move the monotonic clock on by ``seconds`` (renewals, waits and deadlines)."""
        if seconds < 0:
            raise ValueError(f"a clock does not go back: advance({seconds!r})")
        with self._lock:
            self._mono += seconds

    def advance_wall(self, seconds: float) -> None:
        """Move both clocks on by ``seconds``, as if the whole machine's time had passed.

        Tokens then look that much older, as on a real client left running that long (a
        refresh token past its expiry date makes ``is_authenticated`` false).
        """
        self.advance(seconds)
        with self._lock:
            self._wall_offset += seconds

    def __repr__(self) -> str:
        return f"<FakeClock monotonic={self._mono:.3f}>"
