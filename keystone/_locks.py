"""A mutex that still works in a child process forked while another thread held it.

``os.fork()`` copies a held ``threading.Lock`` as held, and the thread that would release it
does not exist in the child: the child's first ``with lock`` then waits forever. A batch job
that forks while another thread is renewing a token (holding the session lock) hit exactly
that. :class:`ForkSafeLock` notices, on every acquire, that it now lives in another process and
starts over with a fresh lock; the cost is one ``os.getpid()`` call per acquire.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections import deque
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import asyncio


class ForkSafeLock:
    """A ``threading.Lock`` that is replaced by a fresh one after a fork (``with`` only)."""

    __slots__ = ("_held", "_lock", "_pid")

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._held: threading.Lock | None = None

    def __enter__(self) -> ForkSafeLock:
        pid = os.getpid()
        if pid != self._pid:  # forked: whoever held the old lock is not in this process
            self._lock, self._pid = threading.Lock(), pid
        lock = self._lock
        lock.acquire()
        self._held = lock  # only the holder reads or writes this
        return self

    def __exit__(self, *exc_info: object) -> None:
        held, self._held = self._held, None
        assert held is not None, "ForkSafeLock released without being held"
        held.release()

    def locked(self) -> bool:
        """Whether some thread of this process holds the lock."""
        return self._pid == os.getpid() and self._lock.locked()

    def __reduce__(self) -> tuple[type[ForkSafeLock], tuple[()]]:
        """A lock pickles as a fresh, unlocked one: a lock's state means nothing elsewhere."""
        return (ForkSafeLock, ())

    def __repr__(self) -> str:
        return f"<ForkSafeLock {'locked' if self.locked() else 'unlocked'}>"


class TaskLock:
    """A lock of tasks that a task takes without awaiting when it is free
    (:meth:`try_acquire`), first come first served otherwise, and that works from one event
    loop after another (a waiter waits on a future of its own loop).

    The chain's auth layer takes it around every step of every flow: an ``asyncio.Lock``
    belongs to the loop it first waits in, and cost a coroutine each time; this costs two
    attribute checks when nobody waits. The core finds out the server's release under one.
    """

    __slots__ = ("_held", "_waiters")

    def __init__(self) -> None:
        self._held = False
        self._waiters: deque[asyncio.Future[None]] = deque()

    def try_acquire(self) -> bool:
        """Take the lock if it is free and nobody waits for it; whether it was taken."""
        if self._held or self._waiters:
            return False
        self._held = True
        return True

    async def acquire(self) -> None:
        """Take the lock, waiting for it if need be (a cancelled waiter takes nothing)."""
        if self.try_acquire():
            return
        import asyncio

        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            await waiter  # resolved by release(): the lock is handed over, still held
        except BaseException:
            if waiter.done() and not waiter.cancelled():
                self.release()  # handed over as this task was cancelled: pass it on
            else:
                with contextlib.suppress(ValueError):
                    self._waiters.remove(waiter)
            raise

    def release(self) -> None:
        """Hand the lock to the first waiter still waiting, or free it."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._held = False

    def locked(self) -> bool:
        """Whether a task holds the lock."""
        return self._held

    async def __aenter__(self) -> None:
        await self.acquire()

    async def __aexit__(self, *exc_info: object) -> None:
        self.release()

    def __reduce__(self) -> tuple[type[TaskLock], tuple[()]]:
        """A lock pickles as a free one: a lock's state means nothing elsewhere."""
        return (TaskLock, ())
