"""Plans: what a call does, written once, free of I/O; and the two drivers that run them.

Everything above the chain (the resource methods, the readers, logging in and out, finding out
the server, an atomic job, a walk through the pages of a list) is a *plan*: a generator that
yields what it needs done and is sent the outcome, the shape of an auth flow. It yields

- a :class:`~keystone.Request` (built by :meth:`keystone._core.Core.build`): send it through
  the chain; the plan is sent the response, or the error is raised at the ``yield``;
- :class:`FindServer`: the server's release, found out once for the client (under its lock);
- :class:`Start`: send a request in the background (one page of a list read in parallel),
  answered with a handle, and :class:`Wait` for a handle's response;
- in a plan of records (a walk), :class:`Records`: a batch to hand to the caller.

:func:`run` and :func:`run_records` drive a plan for :class:`~keystone.KeystoneClient`
(threads), :func:`arun` and :func:`arun_records` for :class:`~keystone.AsyncKeystoneClient`
(tasks). A decision (what to send, what an answer means) is made in the plan, once; only
these drivers differ, each a loop of a few lines. :func:`recorded` wraps a plan to keep the
responses its requests get, for any driver (the resource calls of ``with_raw_response``).
"""

from __future__ import annotations

import contextvars
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from keystone._request import Request
from keystone._response import Response

if TYPE_CHECKING:
    import asyncio

T = TypeVar("T")


class Core(Protocol):
    """What the drivers use of the client's core (:class:`keystone._core.Core`): its chain,
    and the server's release, found out once."""

    handler: Callable[[Request], Response]
    ahandler: Callable[[Request], Awaitable[Response]]
    server: Any

    def server_for(self, call: Any) -> Any: ...

    async def aserver_for(self, call: Any) -> Any: ...


class FindServer:
    """The server's release, found out (once for the client, under its lock) as part of
    ``call``, within its limits: what a plan yields when the client does not know it yet."""

    __slots__ = ("call",)

    def __init__(self, call: object) -> None:
        self.call = call


class Start:
    """Send ``request`` in the background; the plan is sent a handle to :class:`Wait` for.
    ``workers`` is how many the plan keeps in flight at most."""

    __slots__ = ("request", "workers")

    def __init__(self, request: Request, workers: int) -> None:
        self.request = request
        self.workers = workers


class Wait:
    """The response to a request :class:`Start` sent (``handle`` is what it answered)."""

    __slots__ = ("handle",)

    def __init__(self, handle: object) -> None:
        self.handle = handle


class Records:
    """A batch of records a plan of records hands to its caller."""

    __slots__ = ("records",)

    def __init__(self, records: list[dict[str, Any]]) -> None:
        self.records = records


#: A plan: yields requests and the markers above; returns the call's result.
Plan = Generator[Any, Any, T]


def run(core: Core, plan: Plan[T]) -> T:
    """Drive ``plan`` on this thread; its result."""
    send = core.handler
    outcome: Any = None
    failure: BaseException | None = None
    while True:
        try:
            step = plan.send(outcome) if failure is None else plan.throw(failure)
        except StopIteration as done:
            result: T = done.value
            return result
        failure = None
        try:
            outcome = send(step) if type(step) is Request else _do(core, step)
        except BaseException as error:
            outcome, failure = None, error


def _do(core: Core, step: object) -> Any:
    if type(step) is FindServer:
        return core.server or core.server_for(step.call)
    raise TypeError(f"a plan of one result yielded {step!r}")


def run_records(core: Core, plan: Plan[None]) -> Iterator[dict[str, Any]]:
    """Drive a plan of records on this thread, a background request on a pool of threads
    (made when one is first started, shut down with the walk); each record as it comes."""
    send = core.handler
    pool: ThreadPoolExecutor | None = None
    started: list[Future[Response]] = []
    outcome: Any = None
    failure: BaseException | None = None
    try:
        while True:
            try:
                step = plan.send(outcome) if failure is None else plan.throw(failure)
            except StopIteration:
                return
            outcome, failure = None, None
            kind = type(step)
            try:
                if kind is Records:
                    yield from step.records
                elif kind is Request:
                    outcome = send(step)
                elif kind is Start:
                    if pool is None:
                        pool = ThreadPoolExecutor(step.workers, thread_name_prefix="keystone-pages")
                    context = contextvars.copy_context()  # the caller's, for your middleware
                    started.append(pool.submit(context.run, send, step.request))
                    outcome = started[-1]
                elif kind is Wait:
                    future = step.handle
                    started.remove(future)  # read: its page is the plan's, not the pool's
                    outcome = future.result()
                else:
                    outcome = _do(core, step)
            except GeneratorExit:
                raise
            except BaseException as error:
                failure = error
    finally:
        plan.close()
        for pending in started:
            pending.cancel()
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


async def arun(core: Core, plan: Plan[T]) -> T:
    """Drive ``plan`` in this task; its result."""
    send = core.ahandler
    outcome: Any = None
    failure: BaseException | None = None
    while True:
        try:
            step = plan.send(outcome) if failure is None else plan.throw(failure)
        except StopIteration as done:
            result: T = done.value
            return result
        failure = None
        try:
            outcome = await (send(step) if type(step) is Request else _ado(core, step))
        except BaseException as error:
            outcome, failure = None, error


async def _ado(core: Core, step: object) -> Any:
    if type(step) is FindServer:
        return core.server or await core.aserver_for(step.call)
    raise TypeError(f"a plan of one result yielded {step!r}")


async def arun_records(core: Core, plan: Plan[None]) -> AsyncIterator[dict[str, Any]]:
    """Drive a plan of records in this task, a background request in a task of its own
    (cancelled if the walk stops before it is read); each record as it comes."""
    import asyncio

    send = core.ahandler
    started: list[asyncio.Task[Response]] = []
    outcome: Any = None
    failure: BaseException | None = None
    try:
        while True:
            try:
                step = plan.send(outcome) if failure is None else plan.throw(failure)
            except StopIteration:
                return
            outcome, failure = None, None
            kind = type(step)
            try:
                if kind is Records:
                    for record in step.records:
                        yield record
                elif kind is Request:
                    outcome = await send(step)
                elif kind is Start:
                    started.append(asyncio.ensure_future(send(step.request)))
                    outcome = started[-1]
                elif kind is Wait:
                    task = step.handle
                    started.remove(task)
                    outcome = await task
                else:
                    outcome = await _ado(core, step)
            except GeneratorExit:
                raise
            except BaseException as error:
                failure = error
    finally:
        plan.close()
        await _cancel(started)


async def _cancel(tasks: list[asyncio.Task[Response]]) -> None:
    """Cancel the background requests not read yet, and wait for them to be gone (so no
    connection is left half-read and no error goes unretrieved)."""
    import asyncio

    pending = [task for task in tasks if not task.done()]
    for task in pending:
        task.cancel()
    for task in tasks:
        if task.done() and not task.cancelled():
            task.exception()  # retrieved: a page nobody will read is no unhandled error
    if pending:
        await asyncio.gather(*pending, return_exceptions=True)


def records(core: Core, listing: Plan[Plan[None]]) -> Iterator[dict[str, Any]]:
    """The records of the walk ``listing`` returns (run now: its checks raise here)."""
    return run_records(core, run(core, listing))


def read_all(core: Core, listing: Plan[Plan[None]]) -> list[dict[str, Any]]:
    """Every record of the walk ``listing`` returns, in a list."""
    return list(records(core, listing))


async def arecords(core: Core, listing: Plan[Plan[None]]) -> AsyncIterator[dict[str, Any]]:
    """:func:`records` in a task (``listing`` runs at the first step of ``async for``)."""
    walk = await arun(core, listing)
    async for record in arun_records(core, walk):
        yield record


async def aread_all(core: Core, listing: Plan[Plan[None]]) -> list[dict[str, Any]]:
    """:func:`read_all` in a task."""
    walk = await arun(core, listing)
    return [record async for record in arun_records(core, walk)]


def recorded(plan: Plan[T], responses: list[Response]) -> Plan[T]:
    """``plan``, with every response its requests get appended to ``responses`` in order.

    A request's response is the outcome of a :class:`~keystone.Request` or a :class:`Wait`
    step, or the ``.response`` of the HTTP error raised there (a plan may read an error answer
    and go on). What the plan does not yield (the server's release, found out under the
    client's lock) is not recorded. Outcomes, errors and ``close()`` reach ``plan`` as they
    would without the wrapper, so any driver runs it.
    """
    outcome: Any = None
    failure: BaseException | None = None
    try:
        while True:
            try:
                step = plan.send(outcome) if failure is None else plan.throw(failure)
            except StopIteration as done:
                result: T = done.value
                return result
            outcome, failure = None, None
            kind = type(step)
            try:
                outcome = yield step
            except GeneratorExit:
                raise
            except BaseException as error:
                failure = error
                answer = getattr(error, "response", None)
                if (kind is Request or kind is Wait) and isinstance(answer, Response):
                    responses.append(answer)
            else:
                if (kind is Request or kind is Wait) and isinstance(outcome, Response):
                    responses.append(outcome)
    finally:
        plan.close()


F = TypeVar("F", bound=Callable[..., Any])


def described_by(plan: Callable[..., Any]) -> Callable[[F], F]:
    """Give the decorated method of a client the docstring of the plan it runs (the sync and
    the async method run the same plan, and say the same)."""

    def describe(method: F) -> F:
        method.__doc__ = plan.__doc__
        return method

    return describe
