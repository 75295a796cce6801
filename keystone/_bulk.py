"""Bulk work, a part of each client over its core: batches and atomic jobs.

``batch`` runs a function over many items on threads sharing the client, or in chunks on any
executor (:mod:`keystone._executors`); ``bind`` carries the client to other processes;
``atomic`` builds one server-side job of many steps (:mod:`keystone._operations.jobs`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Generator, Iterable
from concurrent.futures import Executor
from types import TracebackType
from typing import Any, TypeVar

from keystone._batch import BatchResults, R, T, check_batch, run_batch, run_batch_async
from keystone._core import UsesCore
from keystone._executors import Bound, run_on_executor
from keystone._operations.job_methods import AtomicJob
from keystone._operations.job_steps import StepResult
from keystone._plans import arun, described_by, run
from keystone._progress import ProgressCallback, check_progress
from keystone._retry_policy import RetryPolicy, check_policy
from keystone._timeouts import DEFAULT_TIMEOUT, TimeoutLike

C = TypeVar("C")


class BulkCalls(UsesCore):
    """``batch``, ``bind`` and ``atomic``."""

    def batch(
        self,
        fn: Callable[[T], R],
        items: Iterable[T],
        *,
        workers: int = 8,
        deadline: float | None = None,
        progress: ProgressCallback | None = None,
        progress_bar: bool = False,
        executor: Executor | None = None,
        chunk: int | None = None,
        retry: RetryPolicy | None = None,
    ) -> BatchResults[T, R]:
        """Call ``fn(item)`` for every item on ``workers`` threads sharing this client.

        Returns one outcome per input, in input order: the value, or the exception ``fn``
        raised (failures are collected, not raised: see ``BatchResults.raise_for_errors``).
        The connection pool grows to ``workers`` so no connection is discarded. ``deadline``
        (seconds, whole batch) stops starting new items; ``progress(done, total)`` is called
        after each item; ``progress_bar=True`` shows a tqdm bar (tqdm must be installed).

        With ``executor`` (any :class:`concurrent.futures.Executor`: a
        ``ProcessPoolExecutor``, Dask's ``distributed.Client(...).get_executor()``), the items
        go to it in chunks of ``chunk`` items (default ``4 * workers``), each run there on
        ``workers`` threads; ``progress`` is then called after each chunk. ``fn`` travels by
        pickle: define it at module level, and pass :meth:`bind` to use the client in it.

        ``retry`` is the retry policy of every call the items make that does not pass its own
        (``retry=`` on a call wins). Under a throttle, the items' requests wait their turn for
        the whole client (see ``rate_limit``), never past ``deadline``: an item whose request
        would have to wait longer raises :class:`~keystone.ThrottleWaitError`, unsent.
        """
        check_batch(workers, deadline)
        check_progress("batch", progress, progress_bar)
        policy = None if retry is None else check_policy(retry)
        if executor is not None:
            if not isinstance(executor, Executor):
                raise TypeError(
                    f"executor={executor!r} is not a concurrent.futures.Executor; give e.g. "
                    "ProcessPoolExecutor(2), or leave it out for threads in this process"
                )
            return run_on_executor(
                fn,
                items,
                executor=executor,
                workers=workers,
                deadline=deadline,
                progress=progress,
                progress_bar=progress_bar,
                chunk=chunk,
                clock=self._core.clock,
                retry=policy,
            )
        if chunk is not None:
            raise ValueError("batch: chunk= splits the items for an executor; give executor= too")
        self._core.reserve(workers)
        return run_batch(
            fn,
            items,
            workers=workers,
            deadline=deadline,
            progress=progress,
            progress_bar=progress_bar,
            clock=self._core.clock,
            retry=policy,
        )

    def bind(self: C, fn: Callable[[C, T], R]) -> Bound[C, T, R]:
        """``fn(client, item)`` as a function of the item, with this client, that pickles.

        For :meth:`batch` on other processes: each worker process unpickles the client once
        (its session included: treat the pickle as a credential) and uses it for every item
        it runs. ``fn`` itself must be picklable (defined at module level).
        """
        return Bound(fn, self)

    def atomic(
        self,
        *,
        dry_run: bool = False,
        timeout: TimeoutLike = DEFAULT_TIMEOUT,
        split: int | None = None,
        retry: RetryPolicy | None = None,
        progress: ProgressCallback | None = None,
        progress_bar: bool = False,
    ) -> AtomicJob:
        """An atomic job: steps that the server applies all together, or not at all.

        ``with client.atomic() as job:`` collects steps named as the resource methods are
        (``team = job.create_team(name="x")``, then ``team["id"]`` in later steps); when the
        block ends without an exception they go as one ``POST batch/`` (Keystone 0.10 and
        later), and ``job.results`` holds one :class:`~keystone.StepResult` per step. A failing
        step raises :class:`~keystone.JobError` naming it, and nothing is committed.
        ``dry_run=True`` runs every step and keeps nothing (to validate a job). ``split=n``
        sends the steps as jobs of at most ``n`` steps each, each atomic on its own (for jobs
        larger than the server's throttle allows in one). Checked before anything is sent:
        a server without atomic jobs raises :class:`~keystone.UnsupportedError`.

        ``retry`` is the retry policy of the job's requests (``job.run(retry=...)`` can give
        another). ``progress(done, total)`` is called with the steps applied after each part
        of a split job, ``progress_bar=True`` shows a tqdm bar, as for :meth:`batch`.
        """
        job = AtomicJob(
            self._core,
            dry_run=dry_run,
            timeout=timeout,
            split=split,
            retry=retry,
            progress=progress,
            progress_bar=progress_bar,
        )
        run(self._core, job.ready())  # a server without atomic jobs is refused here
        return job


class AsyncAtomicJob(AtomicJob):
    """:class:`~keystone._operations.job_methods.AtomicJob` for
    :class:`~keystone.AsyncKeystoneClient`: ``async with client.atomic() as job:`` (or
    ``job = await client.atomic()``, then ``await job.run()``). The steps are added as in
    the sync job (no I/O); only finding out the server and running the job are awaited."""

    def __await__(self) -> Generator[Any, None, AsyncAtomicJob]:
        return self._ready().__await__()

    async def _ready(self) -> AsyncAtomicJob:
        if self._server is None:
            await arun(self._core, self.ready())  # a server without atomic jobs is refused
        return self

    async def __aenter__(self) -> AsyncAtomicJob:
        return await self._ready()

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if kind is None and self.results is None:
            await self.run()

    def __enter__(self) -> AsyncAtomicJob:
        raise TypeError("an AsyncKeystoneClient's job runs with `async with client.atomic():`")

    async def run(  # type: ignore[override]  # the same job, awaited
        self, *, retry: RetryPolicy | None = None
    ) -> list[StepResult]:
        """Send the job, as :meth:`AtomicJob.run` does; the steps' results."""
        await self._ready()
        return await arun(self._core, self.running(retry))


class AsyncBulkCalls(UsesCore):
    """``batch`` and ``atomic`` for :class:`~keystone.AsyncKeystoneClient`."""

    async def batch(
        self,
        fn: Callable[[T], Awaitable[R]],
        items: Iterable[T],
        *,
        workers: int = 8,
        deadline: float | None = None,
        progress: ProgressCallback | None = None,
        progress_bar: bool = False,
        retry: RetryPolicy | None = None,
    ) -> BatchResults[T, R]:
        """Await ``fn(item)`` for every item, ``workers`` at a time, in tasks sharing this client.

        ``fn`` is an ``async def`` function of one item. As :meth:`KeystoneClient.batch
        <keystone.KeystoneClient.batch>` (one outcome per input, in input order; failures
        collected; ``deadline``, ``progress``, ``progress_bar``, ``retry`` the same), with
        tasks instead of threads: no executor. The connection pool grows to ``workers``.
        """
        check_progress("batch", progress, progress_bar)
        policy = None if retry is None else check_policy(retry)
        check_batch(workers, deadline)
        self._core.reserve(workers)
        return await run_batch_async(
            fn,
            items,
            workers=workers,
            deadline=deadline,
            progress=progress,
            progress_bar=progress_bar,
            clock=self._core.clock,
            retry=policy,
        )

    @described_by(BulkCalls.atomic)
    def atomic(
        self,
        *,
        dry_run: bool = False,
        timeout: TimeoutLike = DEFAULT_TIMEOUT,
        split: int | None = None,
        retry: RetryPolicy | None = None,
        progress: ProgressCallback | None = None,
        progress_bar: bool = False,
    ) -> AsyncAtomicJob:
        return AsyncAtomicJob(
            self._core,
            dry_run=dry_run,
            timeout=timeout,
            split=split,
            retry=retry,
            progress=progress,
            progress_bar=progress_bar,
        )
