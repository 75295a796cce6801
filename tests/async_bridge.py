"""The sync client's protocol tests, run against :class:`~keystone.AsyncKeystoneClient`.

:class:`AsyncBridge` takes the arguments of ``KeystoneClient`` and offers its methods with
their sync signatures, but every call is a real ``AsyncKeystoneClient`` call: the coroutine
runs on an event loop of the bridge's own (one thread per bridge, started on first use), down
the async chain to the aiohttp transport (or ``MockTransport.handle_async``). Nothing here
sends a request itself, and no sync client is involved.

:func:`twin` fills a test module with the tests of a sync module, each a copy of the original
function whose module globals name :class:`AsyncBridge` where they named ``KeystoneClient``
(and the sync test helpers swapped for async ones: see :data:`SWAPS`). A function or class of
a test helper module (a module under ``tests/``) that makes a client is copied the same way,
so a test building its client through a helper gets the bridge too; fixtures of the source
module, and fixtures of the ``conftest.py`` files above it that make a client, are copied
into the twin module (where they override the originals for its tests).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import functools
import importlib.util
import inspect
import sys
import threading
import types
import weakref
from collections.abc import AsyncIterator, Callable, Generator, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from wire_recorder import RecordingTransport

from keystone import AsyncBaseTransport, AsyncKeystoneClient, KeystoneClient, Request, Response
from keystone._bulk import AsyncAtomicJob
from keystone._urls import BaseURL

TESTS = Path(__file__).resolve().parent

#: Why a sync client's method has no bridge.
_NOT_BRIDGED = {
    "batch": (
        "batch() of AsyncKeystoneClient awaits an async def fn over its items, where the sync "
        "batch runs a plain fn on threads: it has tests of its own in tests/aio/"
    ),
    "bind": (
        "bind() carries a client to other processes by pickle, and an AsyncKeystoneClient "
        "does not pickle"
    ),
}


def _serve(loop: asyncio.AbstractEventLoop) -> None:
    """The bridge's loop thread: run ``loop`` until stopped, then let nothing dangle."""
    asyncio.set_event_loop(loop)
    try:
        loop.run_forever()
    finally:
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


def _stop(
    loop: asyncio.AbstractEventLoop, thread: threading.Thread, client: AsyncKeystoneClient
) -> None:
    """Close the client's connections on its loop, then stop the loop and its thread."""
    if loop.is_closed():
        return
    if threading.current_thread() is thread:  # collected on the loop itself: cannot wait
        loop.create_task(client.aclose())
        loop.call_soon(loop.stop)
        return
    with contextlib.suppress(RuntimeError, concurrent.futures.TimeoutError):
        asyncio.run_coroutine_threadsafe(client.aclose(), loop).result(timeout=10)
    try:
        loop.call_soon_threadsafe(loop.stop)
    except RuntimeError:  # closed meanwhile
        return
    thread.join(timeout=10)


class AsyncBridge:
    """A ``KeystoneClient`` look-alike whose every call is an ``AsyncKeystoneClient`` call.

    Constructed with ``KeystoneClient``'s arguments; ``close()`` (or the ``with`` block's end)
    closes the async client's connections and stops the bridge's loop; a later call starts
    another loop (the async client is made to move from one loop to the next).
    """

    def __init__(self, url: str, **options: Any) -> None:
        self._client = AsyncKeystoneClient(url, **options)
        self._guard = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._finalizer: weakref.finalize | None = None

    # -- the loop -------------------------------------------------------------------------------

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self._guard:
            if self._loop is None or self._loop.is_closed():
                loop = asyncio.new_event_loop()
                thread = threading.Thread(
                    target=_serve, args=(loop,), name="async-bridge", daemon=True
                )
                thread.start()
                self._loop, self._thread = loop, thread
                self._finalizer = weakref.finalize(self, _stop, loop, thread, self._client)
            return self._loop

    def _run(self, coroutine: Any) -> Any:
        """Await ``coroutine`` on the bridge's loop, in a copy of the caller's context."""
        loop = self._running_loop()
        if threading.current_thread() is self._thread:
            coroutine.close()
            raise RuntimeError("the bridge was called from its own event loop")
        context = contextvars.copy_context()
        outcome: concurrent.futures.Future[Any] = concurrent.futures.Future()

        def start() -> None:
            try:
                task = loop.create_task(coroutine, context=context)
            except BaseException as error:  # pragma: no cover - the loop is going away
                outcome.set_exception(error)
                return
            task.add_done_callback(done)

        def done(task: asyncio.Task[Any]) -> None:
            if task.cancelled():
                outcome.set_exception(asyncio.CancelledError())
            elif task.exception() is not None:
                outcome.set_exception(task.exception())  # type: ignore[arg-type]
            else:
                outcome.set_result(task.result())

        loop.call_soon_threadsafe(start)
        return outcome.result()

    def _iterate(self, records: AsyncIterator[Any]) -> Generator[Any, None, None]:
        """The items of the async iterator ``records``, stepped on the loop; closing this
        generator (or losing it) closes ``records`` there."""
        try:
            while True:
                try:
                    item = self._run(records.__anext__())
                except StopAsyncIteration:
                    return
                yield item
        finally:
            self._close_iterator(records)

    def _close_iterator(self, records: AsyncIterator[Any]) -> None:
        close = getattr(records, "aclose", None)
        if close is None:
            return
        loop, thread = self._loop, self._thread
        if loop is None or loop.is_closed():
            return
        if threading.current_thread() is thread:  # collected on the loop: close it there
            loop.create_task(close())
            return
        self._run(close())

    # -- lifecycle ------------------------------------------------------------------------------

    def close(self) -> None:
        """Close the async client's connections and stop the loop (a later call starts one)."""
        with self._guard:
            finalizer, self._finalizer = self._finalizer, None
            self._loop = self._thread = None
        if finalizer is not None:
            finalizer()

    def __enter__(self) -> AsyncBridge:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __reduce__(self) -> Any:
        return self._client.__reduce__()  # refused, with the async client's own words

    def __repr__(self) -> str:
        return repr(self._client)

    def __getattr__(self, name: str) -> Any:
        # Attributes a test peeks at (``_core``, ``_options``...): the async client's own.
        if name.startswith("__") or name == "_client":
            raise AttributeError(name)
        return getattr(self._client, name)

    # -- what differs from a plain call ---------------------------------------------------------

    @property
    def server(self) -> Any:
        return self._run(self._client.server())

    @property
    def api_version(self) -> str:
        return str(self._run(self._client.api_version()))

    @functools.wraps(KeystoneClient.atomic)
    def atomic(self, **options: Any) -> BridgedJob:
        job = self._client.atomic(**options)

        async def ready() -> AsyncAtomicJob:
            return await job  # a server without atomic jobs is refused here, as in sync

        return BridgedJob(self, self._run(ready()))


def _bridged(name: str) -> Callable[..., Any]:
    sync = getattr(KeystoneClient, name)
    if name in _NOT_BRIDGED:

        def refused(self: AsyncBridge, *args: Any, **kwargs: Any) -> Any:
            raise NotImplementedError(f"AsyncBridge.{name}: {_NOT_BRIDGED[name]}")

        return functools.wraps(sync)(refused)
    if inspect.iscoroutinefunction(inspect.getattr_static(AsyncKeystoneClient, name)):

        def call(self: AsyncBridge, *args: Any, **kwargs: Any) -> Any:
            return self._run(getattr(self._client, name)(*args, **kwargs))

        return functools.wraps(sync)(call)
    if name.startswith("iter_"):

        def walk(self: AsyncBridge, *args: Any, **kwargs: Any) -> Iterator[Any]:
            return self._iterate(getattr(self._client, name)(*args, **kwargs))

        return functools.wraps(sync)(walk)
    raise TypeError(f"AsyncBridge does not know how to bridge {name}")


def _passed(name: str) -> property:
    return property(lambda self: getattr(self._client, name), doc=f"The async client's {name}.")


for _name in dir(KeystoneClient):
    if _name.startswith("_") or _name in AsyncBridge.__dict__ or _name == "close":
        continue
    if isinstance(inspect.getattr_static(KeystoneClient, _name), property):
        setattr(AsyncBridge, _name, _passed(_name))
    else:
        setattr(AsyncBridge, _name, _bridged(_name))


class BridgedJob:
    """An ``AsyncAtomicJob`` with the sync job's surface: steps are added as they are (no
    I/O); ``run()`` and the end of the ``with`` block await the job on the bridge's loop."""

    def __init__(self, bridge: AsyncBridge, job: AsyncAtomicJob) -> None:
        self._bridge = bridge
        self._job = job

    def run(self, *, retry: Any = None) -> Any:
        return self._bridge._run(self._job.run(retry=retry))

    def __enter__(self) -> BridgedJob:
        return self

    def __exit__(self, kind: Any, error: Any, traceback: Any) -> None:
        self._bridge._run(self._job.__aexit__(kind, error, traceback))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self._job, name)

    def __reduce__(self) -> Any:
        return self._job.__reduce__()

    def __repr__(self) -> str:
        return repr(self._job)


# -- twins --------------------------------------------------------------------------------------

#: Why a sync test has no async twin, for the reasons many share (each twin names its tests).
NO_PICKLE = (
    "pickles or copies the client, which AsyncKeystoneClient refuses by design (its "
    "connections and locks belong to an event loop)"
)
FORK = (
    "forks the process while a thread of the sync client holds its lock (ForkSafeLock); an "
    "async client's event loop does not survive os.fork"
)
SYNC_MIDDLEWARE = (
    "gives the client a sync middleware (request, call_next), which AsyncKeystoneClient "
    "refuses when made; async middleware is tested in tests/aio/test_async_client.py"
)
THREAD_BATCH = (
    "runs client.batch over a sync function on threads; the async batch awaits an async def "
    "over the items in tasks: tests/aio/test_async_concurrency.py"
)
EAGER_ITER = (
    "expects iter_* to refuse bad arguments when called; the async iter_* refuses them at the "
    "first step of `async for`, still before sending (documented; tests/aio/test_async_client.py)"
)


class AsyncRecordingTransport(AsyncBaseTransport):
    """:class:`wire_recorder.RecordingTransport` over the async client's own transport
    (aiohttp): it sends for real and keeps every exchange, renewals included."""

    def __init__(self, url: str, **options: Any) -> None:
        from keystone._transport.aio import AiohttpTransport

        self.inner = AiohttpTransport(BaseURL(url), **options)
        self.exchanges: list[tuple[Request, bytes | None, Response]] = []
        self._lock = threading.Lock()

    async def __call__(self, request: Request) -> Response:
        body = request.body  # kept as sent: finished session requests get their secrets wiped
        response = await self.inner(request)
        with self._lock:
            self.exchanges.append((request, body, response))
        return response

    of_kind = RecordingTransport.of_kind
    secrets = RecordingTransport.secrets

    def reserve(self, connections: int) -> None:
        self.inner.reserve(connections)

    async def aclose(self) -> None:
        await self.inner.aclose()


#: What a twin's copied functions see instead of what the source module's see: the sync
#: client, and the test suite's helpers that only serve a sync client.
SWAPS: dict[Any, Any] = {KeystoneClient: AsyncBridge, RecordingTransport: AsyncRecordingTransport}


def _is_helper(value: Any) -> bool:
    """Whether ``value`` is a function or class of a module of the test suite."""
    if not isinstance(value, (types.FunctionType, type)):
        return False
    module = sys.modules.get(getattr(value, "__module__", "") or "")
    file = getattr(module, "__file__", None)
    if file is None or Path(file).resolve() == Path(__file__).resolve():
        return False
    return TESTS in Path(file).resolve().parents


def _codes(code: types.CodeType) -> Iterator[types.CodeType]:
    yield code
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _codes(const)


def _names(function: types.FunctionType) -> set[str]:
    return {name for code in _codes(function.__code__) for name in code.co_names}


def _members(cls: type) -> Iterator[types.FunctionType]:
    for value in vars(cls).values():
        if isinstance(value, (staticmethod, classmethod)):
            value = value.__func__
        if isinstance(value, property):
            yield from (f for f in (value.fget, value.fset, value.fdel) if f is not None)
        elif isinstance(value, types.FunctionType):
            yield value


class _Rebinder:
    """Copies functions and classes of the test suite with their module globals swapped."""

    def __init__(self, swaps: Mapping[Any, Any]) -> None:
        self.swaps = swaps
        self._ids = {id(original) for original in swaps}
        self._needs: dict[int, bool] = {}
        self._globals: dict[int, dict[str, Any]] = {}
        self._copies: dict[int, Any] = {}

    def swapped(self, value: Any) -> bool:
        return id(value) in self._ids

    def needs(self, value: Any) -> bool:
        """Whether ``value`` (a function or class of the suite) reaches a swapped object."""
        key = id(value)
        if key in self._needs:
            return self._needs[key]
        self._needs[key] = False  # a cycle reaches nothing new
        if isinstance(value, type):
            found = any(self.swapped(base) or self.needs(base) for base in value.__bases__[:1])
            found = found or any(self.needs(member) for member in _members(value))
        else:
            space = value.__globals__
            found = any(
                name in space
                and (
                    self.swapped(space[name])
                    or (_is_helper(space[name]) and self.needs(space[name]))
                )
                for name in _names(value)
            )
        self._needs[key] = found
        return found

    def namespace(self, space: dict[str, Any]) -> dict[str, Any]:
        """A copy of the module globals ``space``, swapped (one copy per module)."""
        key = id(space)
        if key in self._globals:
            return self._globals[key]
        copied = dict(space)
        self._globals[key] = copied
        for name, value in space.items():
            copied[name] = self.value(value)
        return copied

    def value(self, value: Any) -> Any:
        """``value`` swapped: an object of :data:`SWAPS`, a function or class of the suite
        that reaches one, and such functions in tuples, lists, dicts and pytest's marks and
        parameter sets (a lambda in a ``parametrize`` list)."""
        if self.swapped(value):
            return self.swaps[value]
        if _is_helper(value):
            return self.copy(value) if self.needs(value) else value
        if isinstance(value, (tuple, list)) and type(value) in (tuple, list):
            items = [self.value(item) for item in value]
            same = all(a is b for a, b in zip(items, value, strict=True))
            return value if same else type(value)(items)
        if type(value) is dict:
            changed = {k: self.value(v) for k, v in value.items()}
            return value if all(changed[k] is v for k, v in value.items()) else changed
        if isinstance(value, pytest.Mark):
            args, kwargs = self.value(value.args), self.value(value.kwargs)
            if args is value.args and kwargs is value.kwargs:
                return value
            return pytest.Mark(value.name, args, kwargs, _ispytest=True)
        if type(value).__name__ == "ParameterSet":
            values = self.value(value.values)
            return value if values is value.values else value._replace(values=values)
        return value

    def copy(self, value: Any) -> Any:
        key = id(value)
        if key not in self._copies:
            if isinstance(value, type):
                self._copies[key] = self._copy_class(value)
            else:
                self._copies[key] = self.function(value)
        return self._copies[key]

    def function(self, function: types.FunctionType) -> types.FunctionType:
        copied = types.FunctionType(
            function.__code__,
            self.namespace(function.__globals__),
            function.__name__,
            function.__defaults__,
            function.__closure__,
        )
        copied.__kwdefaults__ = function.__kwdefaults__
        copied.__dict__.update(function.__dict__)  # pytest's marks travel here
        if "pytestmark" in function.__dict__:
            copied.pytestmark = [self.value(mark) for mark in function.pytestmark]
        for attribute in ("__module__", "__qualname__", "__doc__", "__annotations__"):
            setattr(copied, attribute, getattr(function, attribute))
        return copied

    def _copy_class(self, cls: type) -> type:
        body: dict[str, Any] = {}
        for name, value in vars(cls).items():
            if name in ("__dict__", "__weakref__"):
                continue
            body[name] = self._member(value)
        bases = tuple(self.swaps.get(base, base) for base in cls.__bases__)
        bases = tuple(self.copy(b) if _is_helper(b) and self.needs(b) else b for b in bases)
        copied = type(cls)(cls.__name__, bases, body)
        copied.__qualname__ = cls.__qualname__
        for name, value in body.items():  # zero-argument super() names the copy
            if isinstance(value, types.FunctionType) and "__class__" in value.__code__.co_freevars:
                cells = tuple(
                    types.CellType(copied) if free == "__class__" else cell
                    for free, cell in zip(
                        value.__code__.co_freevars, value.__closure__ or (), strict=True
                    )
                )
                fixed = types.FunctionType(
                    value.__code__, value.__globals__, value.__name__, value.__defaults__, cells
                )
                fixed.__kwdefaults__ = value.__kwdefaults__
                fixed.__dict__.update(value.__dict__)
                fixed.__qualname__ = value.__qualname__
                setattr(copied, name, fixed)
        return copied

    def _member(self, value: Any) -> Any:
        if isinstance(value, types.FunctionType):
            return self.function(value)
        if isinstance(value, staticmethod):
            return staticmethod(self._member(value.__func__))
        if isinstance(value, classmethod):
            return classmethod(self._member(value.__func__))
        if isinstance(value, property):
            return property(
                *(
                    None if f is None else self._member(f)
                    for f in (value.fget, value.fset, value.fdel)
                ),
                value.__doc__,
            )
        return value


def _fixture(definition: Any, rebinder: _Rebinder, module: str) -> Any:
    """A copy of the pytest fixture ``definition`` whose function is rebound."""
    marker = definition._fixture_function_marker
    function = rebinder.function(definition._get_wrapped_function())
    function.__module__ = module
    return pytest.fixture(
        function,
        scope=marker.scope,
        params=marker.params,
        autouse=marker.autouse,
        ids=marker.ids,
        name=marker.name,
    )


def _is_fixture(value: Any) -> bool:
    return hasattr(value, "_fixture_function_marker")


def _conftests(source: types.ModuleType) -> Iterator[types.ModuleType]:
    """The ``conftest.py`` files above ``source`` in the suite, each loaded afresh."""
    folder = Path(source.__file__ or "").resolve().parent
    while folder == TESTS or TESTS in folder.parents:
        path = folder / "conftest.py"
        if path.exists():
            name = "_twin_conftest_" + "_".join(path.relative_to(TESTS).parent.parts or ("root",))
            module = sys.modules.get(name)
            if module is None:
                spec = importlib.util.spec_from_file_location(name, path)
                assert spec is not None and spec.loader is not None
                module = importlib.util.module_from_spec(spec)
                sys.modules[name] = module
                spec.loader.exec_module(module)
            yield module
        folder = folder.parent


@pytest.fixture(autouse=True)
def _no_sync_client(monkeypatch: pytest.MonkeyPatch) -> None:
    """In a twin's test, a sync client made by any path the swaps missed is an error."""

    def refused(self: Any, *args: Any, **kwargs: Any) -> None:
        raise AssertionError("a KeystoneClient was made in an async twin: a swap is missing")

    monkeypatch.setattr(KeystoneClient, "__init__", refused)


def _argnames(function: Any) -> set[str]:
    return set(inspect.signature(function).parameters)


def _client_fixtures(fixtures: Mapping[str, Any], rebinder: _Rebinder) -> set[str]:
    """The names of the fixtures that make a client, or use a fixture that does."""
    clients: set[str] = set()
    grown = True
    while grown:
        grown = False
        for name, value in fixtures.items():
            function = value._get_wrapped_function()
            if name not in clients and (
                rebinder.needs(function) or _argnames(function) & (clients - {name})
            ):
                clients.add(name)
                grown = True
    return clients


def _uses_a_client(test: types.FunctionType, clients: set[str], rebinder: _Rebinder) -> bool:
    """Whether ``test`` makes a client, gets one from a fixture, or from its parameters."""
    marks = test.__dict__.get("pytestmark", [])
    return (
        rebinder.needs(test)
        or bool(_argnames(test) & clients)
        or any(rebinder.value(mark) is not mark for mark in marks)
    )


def _skipping(cases: Mapping[str, str]) -> Any:
    @pytest.fixture(autouse=True)
    def _twin_skips_cases(request: pytest.FixtureRequest) -> None:
        reason = cases.get(request.node.name)
        if reason is not None:
            pytest.skip(reason)

    return _twin_skips_cases


def twin(
    source: types.ModuleType,
    namespace: dict[str, Any],
    *,
    skip: Mapping[str, str] = types.MappingProxyType({}),
    swaps: Mapping[Any, Any] | None = None,
) -> None:
    """Fill the twin module whose globals are ``namespace`` with the tests of ``source``.

    Each ``test_*`` function and ``Test*`` class of ``source`` is copied with its marks,
    rebound to :data:`SWAPS` and ``swaps`` (more objects of the test suite, each with what
    stands for it in the twin), except:

    - those named in ``skip``, each with why it has no async twin (a name in ``skip`` that
      ``source`` lacks is an error: the map must not outlive the tests it excuses);
      ``"test_x[case]"`` names one case of a parametrized test, skipped with its reason;
    - those that use no client (none made in them, nor given by a fixture or a parameter):
      they have nothing of the async client's to test.

    ``pytestmark``, the fixtures of ``source`` and the fixtures of the conftest files above it
    that make a client come along. What was left out is listed in the twin's
    ``TWIN_SKIPPED`` and ``TWIN_WITHOUT_CLIENT``.
    """
    rebinder = _Rebinder({**SWAPS, **(swaps or {})})
    module = namespace["__name__"]
    namespace["_no_sync_client"] = _no_sync_client
    tests = {
        name: value
        for name, value in vars(source).items()
        if (name.startswith("test_") and isinstance(value, types.FunctionType))
        or (name.startswith("Test") and isinstance(value, type))
    }
    unknown = {name.partition("[")[0] for name in skip} - set(tests)
    if unknown:
        raise LookupError(f"{source.__name__} has no tests named {sorted(unknown)}")
    cases = {name: reason for name, reason in skip.items() if "[" in name}
    if cases:  # one case of a parametrized test: skipped, with its reason, as it starts
        namespace["_twin_skips_cases"] = _skipping(cases)
    fixtures: dict[str, Any] = {}  # what each fixture name means for the source's tests
    for conftest in reversed(list(_conftests(source))):
        fixtures.update((n, v) for n, v in vars(conftest).items() if _is_fixture(v))
    fixtures.update((n, v) for n, v in vars(source).items() if _is_fixture(v))
    clients = _client_fixtures(fixtures, rebinder)
    for name, value in fixtures.items():
        if name in clients or value is vars(source).get(name):
            namespace[name] = _fixture(value, rebinder, module)
    marks = vars(source).get("pytestmark", [])
    marks = [rebinder.value(m) for m in (marks if isinstance(marks, list) else [marks])]
    # Every twin is marked: `pytest -m twin` runs them (tox -e twins), `-m "not twin"` the rest.
    namespace["pytestmark"] = [*marks, pytest.mark.twin]
    namespace["TWIN_SKIPPED"] = dict(skip)
    without_client = namespace["TWIN_WITHOUT_CLIENT"] = []
    for name, value in tests.items():
        if name in skip:  # left out: the twin has no such test
            continue
        if isinstance(value, types.FunctionType) and not _uses_a_client(value, clients, rebinder):
            without_client.append(name)  # nothing of the async client's to test
            continue
        copied = rebinder.copy(value) if isinstance(value, type) else rebinder.function(value)
        copied.__module__ = module
        namespace[name] = copied
