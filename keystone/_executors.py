"""Batches on other executors: processes, and the executors of distributed engines (Dask).

``client.batch(fn, items, executor=...)`` hands the items to any
:class:`concurrent.futures.Executor` in chunks; each chunk runs in a worker as a thread batch of
``workers`` threads (so a process pool of 2 with 32 threads each keeps 64 requests in flight
on every core the machine has). Outcomes come back in input order with the same meaning as a
thread batch's: a value or the exception of each item, ``BatchDeadlineError`` for items not
started by the deadline, ``progress`` after each chunk.

The function travels by pickle to the workers, and so must be defined at module level. To use
the client there, bind it: ``client.bind(fn)`` is a picklable ``fn(item)`` that calls
``fn(client, item)`` with the client as pickled (its session included), unpickled once per
worker process and then reused by every chunk that process runs. Values and exceptions come
back by pickle too; one that cannot is replaced, for its item only, by a
``ResultTransferError`` (the item did run).

Executors that say how many workers they have (the standard library's pools) are given at most
that many chunks and one more at a time, so an interrupted batch (Ctrl-C) leaves only those to
finish; others (Dask) get every chunk at once, and an interruption cancels those not started.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, Future, as_completed
from typing import Any, Generic, TypeVar

from keystone._batch import (
    BatchResults,
    Outcome,
    ProgressCallback,
    R,
    T,
    progress_bar_for,
    run_batch,
)
from keystone._clock import SYSTEM_CLOCK, Clock
from keystone._errors import BatchDeadlineError, ResultTransferError

C = TypeVar("C")

#: Each worker process's clients, by the token of the state that brought them; the oldest
#: go when there are more (a long-lived worker serves many batches).
_CLIENTS: dict[tuple[int, str], Any] = {}
_KEPT = 16
_CLIENTS_LOCK = threading.Lock()

#: A chunk's outcome for each of its items: ``(value, error)``.
Pairs = list[tuple[Any, BaseException | None]]


class Bound(Generic[C, T, R]):
    """``fn`` with a client: called with an item, it calls ``fn(client, item)``.

    Pickles as the function, the pickled client and a token naming that state of the client;
    unpickled in a worker process, the client is rebuilt once there (per token) and shared by
    every call in that process. The client is pickled as it is each time (after a new login,
    the workers get the new session), which costs a few kilobytes a chunk.
    """

    def __init__(self, fn: Callable[[C, T], R], client: C) -> None:
        if not callable(fn):
            raise TypeError(f"bind: fn must be a function of (client, item), not {fn!r}")
        self.fn = fn
        self.client = client

    def __call__(self, item: T) -> R:
        return self.fn(self.client, item)

    def __reduce__(self) -> tuple[Any, ...]:
        pickled = pickle.dumps(self.client)
        token = hashlib.sha256(pickled).hexdigest()[:32]
        return (_rebound, (self.fn, token, pickled))

    def __repr__(self) -> str:
        name = getattr(self.fn, "__qualname__", repr(self.fn))
        return f"<Bound {name} to {self.client!r}>"


def _rebound(fn: Callable[[Any, Any], Any], token: str, pickled: bytes) -> Bound[Any, Any, Any]:
    """The other side of :meth:`Bound.__reduce__`: the process's client for ``token``."""
    key = (os.getpid(), token)  # a forked worker must not reuse its parent's entry
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(key)
        if client is None:
            client = _CLIENTS[key] = pickle.loads(pickled)
            while len(_CLIENTS) > _KEPT:
                del _CLIENTS[next(iter(_CLIENTS))]
    bound: Bound[Any, Any, Any] = Bound.__new__(Bound)
    bound.fn, bound.client = fn, client
    return bound


def run_chunk(
    fn: Callable[[T], R],
    items: Sequence[T],
    workers: int,
    ends_at: float | None,
    first: int = 0,
    deadline: float | None = None,
) -> Pairs:
    """One chunk, in a worker: its items on ``workers`` threads; ``(value, error)`` each.

    ``ends_at`` is the batch's deadline on the wall clock (the same in every process and on
    every machine whose clock is set), or ``None``; ``deadline`` its length in seconds and
    ``first`` the batch index of the chunk's first item, for the messages.
    """
    left = None if ends_at is None else ends_at - time.time()
    if left is not None and left <= 0:
        return [(None, _not_started(first + n, deadline, "its chunk")) for n in range(len(items))]
    results = run_batch(fn, items, workers=min(workers, max(1, len(items))), deadline=left)
    pairs: Pairs = [
        (o.value, _not_started(first + n, deadline, "it"))
        if isinstance(o.error, BatchDeadlineError)
        else (o.value, o.error)
        for n, o in enumerate(results)
    ]
    if _why_stuck(pairs) is None:  # the usual case: one round trip for the chunk
        return pairs
    return [_returnable(first + n, value, error) for n, (value, error) in enumerate(pairs)]


def _why_stuck(what: object) -> Exception | None:
    """Why ``what`` cannot travel back by pickle, or ``None`` when it can.

    Both ways are tried: some exceptions pickle but cannot be unpickled, which would break
    the caller's pool.
    """
    try:
        pickle.loads(pickle.dumps(what))
    except Exception as exc:  # pickling runs the objects' own code: anything may be raised
        return exc
    return None


def _not_started(index: int, deadline: float | None, what: str) -> BatchDeadlineError:
    return BatchDeadlineError(
        f"batch item #{index} was not started: the batch's {deadline} s deadline passed "
        f"before {what} could start; nothing was sent for it"
    )


def _returnable(index: int, value: Any, error: BaseException | None) -> tuple[Any, Any]:
    """``(value, error)``, or an error in their place when they cannot travel back by pickle."""
    stuck = _why_stuck((value, error))
    if stuck is None:
        return value, error
    what = (
        f"its value (a {type(value).__name__})"
        if error is None
        else f"its exception ({type(error).__name__}: {str(error)[:300]})"
    )
    return None, ResultTransferError(
        f"batch item #{index} ran, but {what} cannot come back from the worker process "
        f"({type(stuck).__name__}: {stuck}). Return plain data (dicts, lists, numbers, "
        "strings) and raise exceptions that pickle; whatever the item sent did happen."
    )


def _chunk_size(total: int, workers: int, chunk: int | None) -> int:
    if chunk is not None:
        return chunk
    return max(1, min(workers * 4, total))


def run_on_executor(
    fn: Callable[[T], R],
    items: Iterable[T],
    *,
    executor: Executor,
    workers: int,
    deadline: float | None = None,
    progress: ProgressCallback | None = None,
    progress_bar: bool = False,
    chunk: int | None = None,
    clock: Clock = SYSTEM_CLOCK,
) -> BatchResults[T, R]:
    """``fn`` over ``items`` on ``executor``, in chunks of thread batches; see the module."""
    if not callable(fn):
        raise TypeError(f"batch: fn must be a function of one item, not {fn!r}")
    if chunk is not None and (isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1):
        raise ValueError(f"batch: chunk={chunk!r} must be a positive number of items, or None")
    inputs = list(items)
    size = _chunk_size(len(inputs), workers, chunk)
    bar = progress_bar_for(len(inputs)) if progress_bar else None
    started = clock.monotonic()
    ends_at = None if deadline is None else time.time() + deadline
    outcomes: list[Outcome[T, R] | None] = [None] * len(inputs)
    starts = iter(range(0, len(inputs), size))
    futures: dict[Future[Pairs], int] = {}
    ahead = _chunks_ahead(executor)

    def submit() -> None:
        for start in starts:
            part = inputs[start : start + size]
            futures[executor.submit(run_chunk, fn, part, workers, ends_at, start, deadline)] = start
            if ahead is not None and len(futures) >= ahead:
                return

    try:
        submit()
        done = 0
        while futures:
            future = next(as_completed(futures))
            start = futures.pop(future)
            part = inputs[start : start + size]
            pairs = _pairs_of(future, fn, len(part))
            for offset, (value, error) in enumerate(pairs):
                index = start + offset
                outcomes[index] = Outcome(index, inputs[index], value=value, error=error)
            done += len(part)
            if progress is not None:
                progress(done, len(inputs))
            if bar is not None:
                bar.update(len(part))
            submit()
    except BaseException:
        for pending in futures:
            pending.cancel()
        raise
    finally:
        if bar is not None:
            bar.close()
    return BatchResults([o for o in outcomes if o is not None], clock.monotonic() - started)


def _chunks_ahead(executor: Executor) -> int | None:
    """How many chunks to give ``executor`` at a time: its workers and one more, if it says."""
    count = getattr(executor, "_max_workers", None)  # ThreadPoolExecutor, ProcessPoolExecutor
    return count + 1 if isinstance(count, int) and count > 0 else None


def _pairs_of(future: Future[Pairs], fn: Callable[..., Any], count: int) -> Pairs:
    """A finished chunk's outcomes; a chunk that could not be sent or run fails each item."""
    try:
        return future.result()
    except (pickle.PicklingError, AttributeError, TypeError) as exc:
        if "pickle" not in str(exc).lower():
            return [(None, exc)] * count
        try:
            pickle.dumps(fn)
        except Exception:
            raise TypeError(
                f"batch: the function cannot be sent to the executor's workers ({exc}). "
                "Define it at module level, and to use the client in it pass "
                "client.bind(fn) with fn(client, item)"
            ) from exc
        error = TypeError(f"batch: these items cannot be sent to the executor's workers ({exc})")
        return [(None, error)] * count
    except Exception as exc:  # the chunk's task itself failed (e.g. a worker died)
        return [(None, exc)] * count
