"""Running many calls concurrently on one client: results in input order, nothing lost.

Every input ends with exactly one :class:`Outcome`: the value ``fn`` returned, or the exception
it raised, or a :class:`~keystone._errors.BatchDeadlineError` when the batch's shared deadline
passed before the item started. Failures are collected, not raised, so one bad record does not
stop the other thousands; the caller decides what to do with them.
"""

from __future__ import annotations

import contextvars
import inspect
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar, overload

from keystone._clock import SYSTEM_CLOCK, Clock
from keystone._errors import BatchDeadlineError, BatchError
from keystone._item_context import item_context
from keystone._progress import Progress, ProgressCallback
from keystone._timeouts import LONGEST_WAIT, CallDeadline, is_seconds

if TYPE_CHECKING:
    from keystone._retry_policy import RetryPolicy

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Outcome(Generic[T, R]):
    """What happened to one input: ``value`` when ``ok``, else ``error``."""

    index: int
    item: T
    value: R | None = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        """Whether the call returned normally."""
        return self.error is None

    def unwrap(self) -> R:
        """The value, or raise the error."""
        if self.error is not None:
            raise self.error
        return self.value  # type: ignore[return-value]


class BatchResults(Sequence[Outcome[T, R]]):
    """One :class:`Outcome` per input, in input order."""

    def __init__(self, outcomes: list[Outcome[T, R]], elapsed: float) -> None:
        self._outcomes = outcomes
        self.elapsed = elapsed
        """Seconds the whole batch took."""

    @overload
    def __getitem__(self, index: int) -> Outcome[T, R]: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Outcome[T, R]]: ...

    def __getitem__(self, index: int | slice) -> Outcome[T, R] | Sequence[Outcome[T, R]]:
        return self._outcomes[index]

    def __len__(self) -> int:
        return len(self._outcomes)

    def __iter__(self) -> Iterator[Outcome[T, R]]:
        return iter(self._outcomes)

    @property
    def values(self) -> list[R | None]:
        """Each input's value, ``None`` where it failed (see :attr:`failed`)."""
        return [o.value for o in self._outcomes]

    @property
    def succeeded(self) -> list[Outcome[T, R]]:
        """Outcomes of the calls that returned normally."""
        return [o for o in self._outcomes if o.error is None]

    @property
    def failed(self) -> list[Outcome[T, R]]:
        """Outcomes of the calls that raised (or never started before the deadline)."""
        return [o for o in self._outcomes if o.error is not None]

    def raise_for_errors(self) -> None:
        """Raise :class:`~keystone._errors.BatchError` listing the failures, if any."""
        failed = self.failed
        if failed:
            raise BatchError(
                f"{len(failed)} of {len(self)} batch items failed; the first "
                f"(item #{failed[0].index}): {failed[0].error}",
                failed=[(o.index, o.error) for o in failed if o.error is not None],
            )

    def __repr__(self) -> str:
        return f"<BatchResults {len(self.succeeded)} ok, {len(self.failed)} failed>"


def check_batch(workers: object, deadline: object) -> None:
    """Refuse bad ``workers`` and ``deadline`` values, naming them, before anything starts."""
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise ValueError(f"workers={workers!r} must be a positive whole number, e.g. workers=8")
    if deadline is not None and not is_seconds(deadline):
        raise ValueError(
            f"deadline={deadline!r} must be a positive number of seconds (the whole batch's) "
            f"of at most {LONGEST_WAIT:g}, or None for no limit"
        )


class BatchRun(Generic[T, R]):
    """The bookkeeping of one batch, whatever runs its items (threads or tasks): the inputs,
    the deadline, which items may still start, the outcomes in input order, the progress."""

    def __init__(
        self,
        items: Iterable[T],
        deadline: float | None,
        progress: ProgressCallback | None,
        progress_bar: bool,
        clock: Clock,
        retry: RetryPolicy | None,
    ) -> None:
        self.inputs = list(items)
        self.deadline = deadline
        self.retry = retry
        self.clock = clock
        self.shown = Progress(len(self.inputs), progress, progress_bar)
        self.started = clock.monotonic()
        self.ends = None if deadline is None else CallDeadline(deadline, clock)
        self.outcomes: list[Outcome[T, R] | None] = [None] * len(self.inputs)
        self.stopped = False

    def refused(self, index: int, item: T) -> Outcome[T, R] | None:
        """The outcome of an item that must not start (the deadline passed, or the batch was
        interrupted), else ``None``."""
        if not self.stopped and (self.ends is None or self.ends.left() > 0):
            return None
        reason = "the batch was interrupted" if self.stopped else "the deadline passed"
        error = BatchDeadlineError(
            f"batch item #{index} was not started: {reason} "
            f"({self.deadline} s for {len(self.inputs)} items); nothing was sent for it"
        )
        return Outcome(index, item, error=error)

    def context(self) -> AbstractContextManager[None]:
        """What an item runs in: the batch's retry policy and deadline for its calls."""
        return item_context(self.retry, self.ends)

    def done(self, outcome: Outcome[T, R]) -> None:
        """Keep ``outcome`` in its place, and tell the progress."""
        self.outcomes[outcome.index] = outcome
        self.shown.advance(1)

    def results(self) -> BatchResults[T, R]:
        """Every outcome, in input order."""
        outcomes = [o for o in self.outcomes if o is not None]
        return BatchResults(outcomes, self.clock.monotonic() - self.started)


def run_batch(
    fn: Callable[[T], R],
    items: Iterable[T],
    *,
    workers: int,
    deadline: float | None = None,
    progress: ProgressCallback | None = None,
    progress_bar: bool = False,
    clock: Clock = SYSTEM_CLOCK,
    retry: RetryPolicy | None = None,
) -> BatchResults[T, R]:
    """Call ``fn(item)`` for every item on ``workers`` threads; see :class:`BatchResults`.

    ``deadline`` is seconds from now for the whole batch: items that have not started by then
    are not called and get a :class:`~keystone._errors.BatchDeadlineError`. Calls already running
    finish under their own timeouts, and the throttle holds none of their requests past it.
    ``retry`` is the retry policy of the calls each item makes (those without their own).
    """
    check_batch(workers, deadline)
    if not callable(fn):
        raise TypeError(f"batch: fn must be a function of one item, not {fn!r}")
    batch: BatchRun[T, R] = BatchRun(items, deadline, progress, progress_bar, clock, retry)

    def call(index: int, item: T) -> Outcome[T, R]:
        refused = batch.refused(index, item)
        if refused is not None:
            return refused
        try:
            with batch.context():
                return Outcome(index, item, value=fn(item))
        except Exception as exc:
            return Outcome(index, item, error=exc)

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="keystone-batch") as pool:
        # Each item runs in a copy of the caller's context (a batch inside a batch item keeps
        # the outer one's limits; your middleware's context variables reach the items).
        futures = [
            pool.submit(contextvars.copy_context().run, call, index, item)
            for index, item in enumerate(batch.inputs)
        ]
        try:
            for future in as_completed(futures):
                batch.done(future.result())
        except BaseException:
            batch.stopped = True
            raise
        finally:
            batch.shown.close()
    return batch.results()


async def run_batch_async(
    fn: Callable[[T], Awaitable[R]],
    items: Iterable[T],
    *,
    workers: int,
    deadline: float | None = None,
    progress: ProgressCallback | None = None,
    progress_bar: bool = False,
    clock: Clock = SYSTEM_CLOCK,
    retry: RetryPolicy | None = None,
) -> BatchResults[T, R]:
    """:func:`run_batch` in a task: ``await fn(item)`` for every item, ``workers`` at once
    (each in a task of its own, with a copy of the caller's context)."""
    import asyncio

    check_batch(workers, deadline)
    if not inspect.iscoroutinefunction(fn):
        raise TypeError(
            f"batch: fn must be an async function of one item (async def), not {fn!r}; "
            "AsyncKeystoneClient awaits each call"
        )
    batch: BatchRun[T, R] = BatchRun(items, deadline, progress, progress_bar, clock, retry)
    pending = iter(enumerate(batch.inputs))

    async def worker() -> None:
        for index, item in pending:  # the tasks share one iterator: each item runs once
            outcome = batch.refused(index, item)
            if outcome is None:
                try:
                    with batch.context():
                        outcome = Outcome(index, item, value=await fn(item))
                except Exception as exc:
                    outcome = Outcome(index, item, error=exc)
            batch.done(outcome)

    tasks = [asyncio.ensure_future(worker()) for _ in range(min(workers, len(batch.inputs)))]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        batch.stopped = True
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    finally:
        batch.shown.close()
    return batch.results()
