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

When a worker is lost, what is known is kept. The chunks that had finished keep their
outcomes; the items of chunks that were running or waiting in the executor get
``WorkerLostError`` (they may or may not have run); the items of chunks the executor would no
longer take (a process pool breaks when one of its processes dies) get
``BatchNotStartedError``. Dask starts a task again on another worker when the worker running
it dies: each chunk marks itself started in the scheduler before its first item, and a chunk
started again finds the mark and runs none of its items (each gets ``WorkerLostError``), so
no request is sent twice behind the caller's back.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import BrokenExecutor, CancelledError, Executor, Future, as_completed
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from keystone._batch import BatchResults, Outcome, R, T, run_batch
from keystone._clock import SYSTEM_CLOCK, Clock
from keystone._errors import (
    BatchDeadlineError,
    BatchNotStartedError,
    ResultTransferError,
    WorkerLostError,
)
from keystone._progress import Progress, ProgressCallback

if TYPE_CHECKING:
    from keystone._retry_policy import RetryPolicy

C = TypeVar("C")

#: Each worker process's clients, by the token of the state that brought them; the oldest
#: go when there are more (a long-lived worker serves many batches).
_CLIENTS: dict[tuple[int, str], Any] = {}
_KEPT = 16
_CLIENTS_LOCK = threading.Lock()

#: A chunk's outcome for each of its items: ``(value, error)``.
Pairs = list[tuple[Any, BaseException | None]]

#: Where chunks mark themselves started in a Dask scheduler's metadata: under this key, the
#: batch's id, then the chunk's first index.
_STARTED = "keystone-api-client.batch-started"
#: A chunk's mark: ``(batch id, first index)``, for executors that may run a task again.
Mark = tuple[str, int]


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
    mark: Mark | None = None,
    retry: RetryPolicy | None = None,
) -> Pairs:
    """One chunk, in a worker: its items on ``workers`` threads; ``(value, error)`` each.

    ``ends_at`` is the batch's deadline on the wall clock (the same in every process and on
    every machine whose clock is set), or ``None``; ``deadline`` its length in seconds and
    ``first`` the batch index of the chunk's first item, for the messages. With ``mark``
    (on Dask), a chunk that was started before, on a worker since lost, runs nothing.
    """
    if mark is not None and not _first_start(mark):
        return [(None, _started_again(first + n)) for n in range(len(items))]
    left = None if ends_at is None else ends_at - time.time()
    if left is not None and left <= 0:
        return [(None, _not_started(first + n, deadline, "its chunk")) for n in range(len(items))]
    results = run_batch(
        fn, items, workers=min(workers, max(1, len(items))), deadline=left, retry=retry
    )
    pairs: Pairs = [
        (o.value, _not_started(first + n, deadline, "it"))
        if isinstance(o.error, BatchDeadlineError)
        else (o.value, o.error)
        for n, o in enumerate(results)
    ]
    if _why_stuck(pairs) is None:  # the usual case: one round trip for the chunk
        return pairs
    return [_returnable(first + n, value, error) for n, (value, error) in enumerate(pairs)]


def _first_start(mark: Mark) -> bool:
    """Mark the chunk started in the Dask scheduler; ``False`` if it had been already.

    A second start can only follow the loss of the worker of the first (Dask does not run a
    task twice at once), so reading the mark and then setting it does not race.
    """
    from distributed import get_client  # on a Dask worker: the extra is installed there

    scheduler: Any = get_client()
    keys = [_STARTED, mark[0], str(mark[1])]
    if scheduler.get_metadata(keys, None) is not None:
        return False
    scheduler.set_metadata(keys, True)
    return True


def _started_again(index: int) -> WorkerLostError:
    return WorkerLostError(
        f"batch item #{index}: the worker running its chunk was lost after the chunk started, "
        "and the executor started the chunk again on another worker; the client ran none of "
        "it a second time, so that no request is sent twice. The item may or may not have "
        "run: look on the server before running it again."
    )


def _lost(index: int, cause: BaseException) -> WorkerLostError:
    return _caused_by(
        cause,
        WorkerLostError(
            f"batch item #{index}: its chunk was running or waiting in the executor when the "
            f"executor failed ({type(cause).__name__}: {cause}), e.g. a worker process died. "
            "The item may or may not have run: look on the server before running it again."
        ),
    )


def _not_taken(index: int, cause: BaseException) -> BatchNotStartedError:
    return _caused_by(
        cause,
        BatchNotStartedError(
            f"batch item #{index} was not started: the executor no longer took work "
            f"({type(cause).__name__}: {cause}), e.g. after a worker process died; nothing "
            "was sent for it"
        ),
    )


_E = TypeVar("_E", bound=BaseException)


def _caused_by(cause: BaseException, error: _E) -> _E:
    """``error``, with ``cause`` as its ``__cause__`` (it is returned to the caller, not raised)."""
    error.__cause__ = cause
    return error


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
    retry: RetryPolicy | None = None,
) -> BatchResults[T, R]:
    """``fn`` over ``items`` on ``executor``, in chunks of thread batches; see the module."""
    if not callable(fn):
        raise TypeError(f"batch: fn must be a function of one item, not {fn!r}")
    if chunk is not None and (isinstance(chunk, bool) or not isinstance(chunk, int) or chunk < 1):
        raise ValueError(f"batch: chunk={chunk!r} must be a positive number of items, or None")
    inputs = list(items)
    size = _chunk_size(len(inputs), workers, chunk)
    shown = Progress(len(inputs), progress, progress_bar)
    started = clock.monotonic()
    ends_at = None if deadline is None else time.time() + deadline
    outcomes: list[Outcome[T, R] | None] = [None] * len(inputs)
    starts = iter(range(0, len(inputs), size))
    futures: dict[Future[Pairs], int] = {}
    ahead = _chunks_ahead(executor)
    batch_id = uuid.uuid4().hex if _reruns_tasks(executor) else None

    def finished(start: int, pairs: Pairs) -> None:
        for offset, (value, error) in enumerate(pairs):
            index = start + offset
            outcomes[index] = Outcome(index, inputs[index], value=value, error=error)
        shown.advance(len(pairs))

    def submit() -> None:
        for start in starts:
            part = inputs[start : start + size]
            mark = None if batch_id is None else (batch_id, start)
            try:
                future = executor.submit(
                    run_chunk, fn, part, workers, ends_at, start, deadline, mark, retry
                )
            except (BrokenExecutor, RuntimeError) as exc:  # broken or shut down: none start
                for rest in (start, *starts):
                    count = len(inputs[rest : rest + size])
                    finished(rest, [(None, _not_taken(rest + n, exc)) for n in range(count)])
                return
            except Exception as exc:  # this chunk could not be handed over (it does not pickle)
                refused: Future[Pairs] = Future()
                refused.set_exception(exc)
                finished(start, _pairs_of(refused, fn, start, len(part), handed=False))
                continue
            futures[future] = start
            if ahead is not None and len(futures) >= ahead:
                return

    try:
        submit()
        while futures:
            future = next(as_completed(futures))
            start = futures.pop(future)
            part = inputs[start : start + size]
            finished(start, _pairs_of(future, fn, start, len(part)))
            submit()
    except BaseException:
        for pending in futures:
            pending.cancel()
        raise
    finally:
        shown.close()
        if batch_id is not None:
            _forget_marks(executor, batch_id)
    return BatchResults([o for o in outcomes if o is not None], clock.monotonic() - started)


def _reruns_tasks(executor: Executor) -> bool:
    """Whether ``executor`` may start a task again after its worker died (Dask's does)."""
    return type(executor).__module__.split(".")[0] == "distributed"


def _forget_marks(executor: Executor, batch_id: str) -> None:
    """Drop the batch's marks from the scheduler (all but the batch's key, which stays)."""
    scheduler = getattr(executor, "_client", None)
    try:
        if scheduler is not None:
            scheduler.set_metadata([_STARTED, batch_id], None)
    except Exception:  # the cluster went away: nothing left to tidy
        pass


def _chunks_ahead(executor: Executor) -> int | None:
    """How many chunks to give ``executor`` at a time: its workers and one more, if it says."""
    count = getattr(executor, "_max_workers", None)  # ThreadPoolExecutor, ProcessPoolExecutor
    return count + 1 if isinstance(count, int) and count > 0 else None


def _pairs_of(
    future: Future[Pairs], fn: Callable[..., Any], start: int, count: int, handed: bool = True
) -> Pairs:
    """A finished chunk's outcomes; a chunk that could not be sent fails each item, and one
    whose task failed (its worker lost) leaves each item's outcome unknown. ``handed``: the
    executor took the chunk (else its ``submit`` refused it, and nothing ran)."""
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
    except CancelledError as exc:  # cancelled before it started (the cluster shut down)
        return [(None, _not_taken(start + n, exc)) for n in range(count)]
    except Exception as exc:  # the chunk's task itself failed (e.g. a worker died)
        if not handed:
            return [(None, _not_taken(start + n, exc)) for n in range(count)]
        return [(None, _lost(start + n, exc)) for n in range(count)]
