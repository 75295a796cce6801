"""The middleware contract and the composition of a chain.

A middleware is any callable ``(request, call_next) -> Response``: it may change the request,
call ``call_next`` zero times (short-circuit), once, or several times (retry, replay after a
token refresh), and change or replace the response. Middleware that only observes can instead
subclass :class:`HookMiddleware` and override ``on_request``/``on_response``/``on_error``.
The chain is composed once per client: each built-in layer (a :class:`Layer`) is bound to the
rest of the chain, so a request pays one function call per layer and nothing else; your own
middleware is wrapped in one small closure each.
"""

from __future__ import annotations

import copy
import inspect
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol, cast, runtime_checkable

from keystone._request import Request
from keystone._response import Response

#: The rest of the chain, as seen from one middleware.
Handler = Callable[[Request], Response]
#: The rest of an async chain (:class:`~keystone.AsyncKeystoneClient`'s).
AsyncHandler = Callable[[Request], Awaitable[Response]]

logger = logging.getLogger("keystone.middleware")


@runtime_checkable
class Middleware(Protocol):
    """``__call__(request, call_next) -> Response``."""

    def __call__(self, request: Request, call_next: Handler, /) -> Response: ...


class AsyncMiddleware(Protocol):
    """``async __call__(request, call_next) -> Response``, awaiting ``call_next``: a middleware
    of :class:`~keystone.AsyncKeystoneClient`'s chain."""

    def __call__(self, request: Request, call_next: AsyncHandler, /) -> Awaitable[Response]: ...


class HookMiddleware:
    """Base class for middleware that observes each call without controlling the flow.

    Override any of the hooks. An exception raised by ``on_error`` replaces nothing: it is
    logged (ERROR, on ``keystone.middleware``, with its traceback) and the original error
    propagates, so an observer's bug never hides what really went wrong. ``name`` is what
    ``client.middleware`` lists.
    """

    name: str | None = None

    def on_request(self, request: Request) -> None:
        """Called before the request goes further down the chain."""

    def on_response(self, request: Request, response: Response) -> None:
        """Called with the response on its way back up."""

    def on_error(self, request: Request, error: BaseException) -> None:
        """Called when the rest of the chain raised ``error`` (which then propagates)."""

    def __call__(self, request: Request, call_next: Handler) -> Response:
        self.on_request(request)
        try:
            response = call_next(request)
        except Exception as error:
            self._failed(request, error)
            raise
        self.on_response(request, response)
        return response

    async def call_async(self, request: Request, call_next: AsyncHandler) -> Response:
        """The same in an async chain: the hooks are plain functions, run in the task."""
        self.on_request(request)
        try:
            response = await call_next(request)
        except Exception as error:
            self._failed(request, error)
            raise
        self.on_response(request, response)
        return response

    def _failed(self, request: Request, error: Exception) -> None:
        try:
            self.on_error(request, error)
        except Exception:
            logger.exception(
                "%s.on_error raised while handling %s; the original error propagates",
                middleware_name(self),
                type(error).__name__,
            )


class _HooksAdapter(HookMiddleware):
    """Wraps an object that has some of the hooks but does not subclass HookMiddleware."""

    def __init__(self, target: Any) -> None:
        self.target = target
        self.name = middleware_name(target)
        for hook in ("on_request", "on_response", "on_error"):
            if callable(getattr(target, hook, None)):
                setattr(self, hook, getattr(target, hook))


class OnRequest(Protocol):
    """An object with an ``on_request(request)`` hook."""

    def on_request(self, request: Request, /) -> None: ...


class OnResponse(Protocol):
    """An object with an ``on_response(request, response)`` hook."""

    def on_response(self, request: Request, response: Response, /) -> None: ...


class OnError(Protocol):
    """An object with an ``on_error(request, error)`` hook."""

    def on_error(self, request: Request, error: BaseException, /) -> None: ...


#: A middleware callable (sync or async), or an object with any of the hooks.
MiddlewareLike = Middleware | AsyncMiddleware | OnRequest | OnResponse | OnError


def as_middleware(obj: MiddlewareLike) -> Middleware:
    """Accept a middleware callable or an object with hook methods; refuse anything else."""
    if isinstance(obj, HookMiddleware):
        return obj
    hooks = ("on_request", "on_response", "on_error")
    has_hooks = any(callable(getattr(obj, hook, None)) for hook in hooks)
    if has_hooks and not _is_two_argument_callable(obj):
        return _HooksAdapter(obj)
    if callable(obj):  # an async one is held as it is, for the async chain to await
        return cast(Middleware, obj)
    raise TypeError(
        f"{obj!r} is not a middleware: give a callable (request, call_next) -> Response, or an "
        "object with on_request/on_response/on_error methods (see keystone.HookMiddleware)"
    )


def _is_two_argument_callable(obj: Any) -> bool:
    if not callable(obj) or isinstance(obj, type):
        return False
    try:
        signature = inspect.signature(obj)
    except (TypeError, ValueError):
        return False
    positional = [
        p
        for p in signature.parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.VAR_POSITIONAL)
    ]
    return len(positional) >= 2 or any(p.kind == p.VAR_POSITIONAL for p in positional)


def middleware_name(obj: Any) -> str:
    """A readable name: the ``name`` attribute, else the function's or class's name."""
    name = getattr(obj, "name", None)
    if isinstance(name, str) and name:
        return name
    if hasattr(obj, "__name__"):
        return str(obj.__name__)
    return type(obj).__name__


class Layer:
    """A built-in layer of the chain: :meth:`handle` a request, passing it on to ``call_next``.

    Composing a chain binds each layer to the rest of it once (:meth:`bound`), so a request
    pays one frame per layer. A layer is also a plain :class:`Middleware`:
    ``layer(request, call_next)`` runs it on a bound copy. :meth:`handle_async` is the same
    work in an async chain: the layer's decisions are its methods, shared by both; the two
    only differ in awaiting the rest of the chain (and the clock, where the layer waits).
    """

    name = "layer"
    call_next: Handler
    acall_next: AsyncHandler

    def handle(self, request: Request) -> Response:
        """This layer's work on ``request``; ``self.call_next(request)`` is the rest."""
        raise NotImplementedError

    def handle_async(self, request: Request) -> Awaitable[Response]:
        """This layer's work in an async chain; ``await self.acall_next(request)`` is the rest.
        Usually a coroutine; a layer with nothing to do after the rest of the chain may hand
        back the rest's awaitable instead (one frame fewer to resume at every wait)."""
        raise NotImplementedError

    def abound(self, call_next: AsyncHandler) -> AsyncHandler:
        """:meth:`bound` for an async chain: the :meth:`handle_async` of a bound copy."""
        layer = copy.copy(self)
        layer.acall_next = call_next
        return layer.handle_async

    def bound(self, call_next: Handler) -> Handler:
        """The :meth:`handle` of a copy of this layer bound to ``call_next``: the layer given
        stays as it was (free to go in another chain, to pickle, to compare)."""
        layer = copy.copy(self)
        layer.call_next = call_next
        return layer.handle

    def __call__(self, request: Request, call_next: Handler, /) -> Response:
        return self.bound(call_next)(request)


def compose(middleware: Sequence[Middleware], handler: Handler) -> Handler:
    """Nest ``middleware`` (first = outermost) around ``handler``."""
    for layer in reversed(middleware):
        handler = layer.bound(handler) if isinstance(layer, Layer) else _bind(layer, handler)
    return handler


def _bind(layer: Middleware, call_next: Handler) -> Handler:
    def handle(request: Request) -> Response:
        return layer(request, call_next)

    handle.__qualname__ = f"handle[{middleware_name(layer)}]"
    return handle


def acompose(middleware: Sequence[Middleware], handler: AsyncHandler) -> AsyncHandler:
    """Nest ``middleware`` around ``handler`` for an async chain; user middleware must be
    async (see :func:`check_async`)."""
    for layer in reversed(middleware):
        handler = layer.abound(handler) if isinstance(layer, Layer) else _abind(layer, handler)
    return handler


def check_async(layer: Middleware) -> Middleware:
    """``layer``, if an async chain can run it: an ``async def (request, call_next)``, an
    object whose ``__call__`` is one, or one that also has ``call_async(request, call_next)``
    (hooks, whose plain functions run in the task; ``MetricsMiddleware``); a plain function
    would block the event loop for the whole rest of the chain, and is refused."""
    if isinstance(layer, Layer) or _serves_async(layer) or _is_coroutine_function(layer):
        return layer
    raise TypeError(
        f"{middleware_name(layer)} is a sync middleware: AsyncKeystoneClient runs its chain in "
        "the event loop, so write it as `async def middleware(request, call_next): ... "
        "response = await call_next(request)`, or give an object with on_request/on_response/"
        "on_error hooks (keystone.HookMiddleware), which work in both clients"
    )


def _serves_async(layer: Any) -> bool:
    return _is_coroutine_function(getattr(layer, "call_async", None))


def _is_coroutine_function(obj: Any) -> bool:
    return inspect.iscoroutinefunction(obj) or inspect.iscoroutinefunction(
        getattr(obj, "__call__", None)  # noqa: B004 (an object's async __call__)
    )


def _abind(layer: Middleware, call_next: AsyncHandler) -> AsyncHandler:
    # its call_async if it serves both chains, else itself (an async callable)
    run = cast(
        "Callable[[Request, AsyncHandler], Awaitable[Response]]",
        getattr(layer, "call_async", None) if _serves_async(layer) else check_async(layer),
    )

    async def handle(request: Request) -> Response:
        return await run(request, call_next)

    handle.__qualname__ = f"handle[{middleware_name(layer)}]"
    return handle
