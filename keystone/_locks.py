"""A mutex that still works in a child process forked while another thread held it.

``os.fork()`` copies a held ``threading.Lock`` as held, and the thread that would release it
does not exist in the child: the child's first ``with lock`` then waits forever. A batch job
that forks while another thread is renewing a token (holding the session lock) hit exactly
that. :class:`ForkSafeLock` notices, on every acquire, that it now lives in another process and
starts over with a fresh lock; the cost is one ``os.getpid()`` call per acquire.
"""

from __future__ import annotations

import os
import threading
import weakref
from typing import TYPE_CHECKING, Any

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


class TaskLocks:
    """The ``asyncio.Lock`` of each name, one per event loop (an ``asyncio.Lock`` belongs to
    the loop it first waits in, and a client may be used by one ``asyncio.run`` after another);
    a loop's locks go with it."""

    __slots__ = ("_by_loop",)

    def __init__(self) -> None:
        self._by_loop: weakref.WeakKeyDictionary[Any, dict[str, asyncio.Lock]] = (
            weakref.WeakKeyDictionary()
        )

    def get(self, name: str) -> asyncio.Lock:
        """The lock ``name`` of the running loop."""
        import asyncio

        locks = self._by_loop.setdefault(asyncio.get_running_loop(), {})
        lock = locks.get(name)
        if lock is None:
            lock = locks[name] = asyncio.Lock()
        return lock

    def __reduce__(self) -> tuple[type[TaskLocks], tuple[()]]:
        """Locks pickle as none held: a lock's state means nothing elsewhere."""
        return (TaskLocks, ())
