"""What every transport is: the last handler of the chain, from a request to a response.

A transport receives a :class:`~keystone.Request` whose URL is absolute and whose body is bytes,
and returns a :class:`~keystone.Response` for any HTTP status (it raises only when no answer
came: a :class:`~keystone.TransportError`). The client's own is the urllib3 one; tests give
``keystone.testing.MockTransport`` instead, with ``KeystoneClient(url, transport=...)``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from keystone._request import Request
from keystone._response import Response


class BaseTransport:
    """Subclass and implement ``__call__``; the other methods may stay as they are."""

    def __call__(self, request: Request) -> Response:
        raise NotImplementedError(f"{type(self).__name__} must implement __call__(request)")

    def reserve(self, connections: int) -> None:
        """Keep at least ``connections`` connections open for reuse (``client.batch`` asks)."""

    def close(self) -> None:
        """Release open connections; the transport must stay usable afterwards."""


class AsyncBaseTransport:
    """The transport of :class:`~keystone.AsyncKeystoneClient`: the same contract as
    :class:`BaseTransport`, with ``__call__`` a coroutine and ``aclose()`` awaited.

    A transport may serve both clients: :class:`keystone.testing.MockTransport` has
    ``handle_async(request)``, which the async client awaits when it is given one.
    """

    async def __call__(self, request: Request) -> Response:
        raise NotImplementedError(f"{type(self).__name__} must implement async __call__(request)")

    def reserve(self, connections: int) -> None:
        """Keep at least ``connections`` connections open for reuse (``batch`` asks)."""

    async def aclose(self) -> None:
        """Release open connections; the transport must stay usable afterwards."""


def sends_async(transport: object) -> Callable[[Request], Awaitable[Response]]:
    """What an async client awaits to send through ``transport``: an
    :class:`AsyncBaseTransport` itself, or the ``handle_async`` of one that serves both
    clients; a sync-only transport is refused, saying what to give instead."""
    if isinstance(transport, AsyncBaseTransport):
        return transport.__call__
    handle = getattr(transport, "handle_async", None)
    if callable(handle):
        return handle  # type: ignore[no-any-return]
    raise TypeError(
        f"transport={transport!r} sends synchronously; AsyncKeystoneClient needs an "
        "AsyncBaseTransport (async def __call__(request) -> Response), or a "
        "keystone.testing.MockTransport"
    )
