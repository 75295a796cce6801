"""``AsyncKeystoneClient``: the whole client for asyncio, on aiohttp.

The same configuration (:class:`~keystone._client.ClientBase`), the same core, the same chain
of layers and the same plans as :class:`~keystone.KeystoneClient`; each call is a coroutine,
driven in the calling task (:func:`keystone._plans.arun`), and the chain is awaited down to
the aiohttp transport (the ``async`` extra: ``pip install ".[async]"`` from a clone). See
docs/async.md.
"""

from __future__ import annotations

from typing import Any

from urllib3.util import Timeout

from keystone._account import AsyncAccount
from keystone._bulk import AsyncBulkCalls
from keystone._calls import AsyncCalls
from keystone._client import ClientBase
from keystone._operations.async_methods import AsyncResourceMethods
from keystone._operations.readers import AsyncReaders
from keystone._transport.base import AsyncBaseTransport
from keystone._urls import BaseURL


class AsyncKeystoneClient(
    ClientBase, AsyncCalls, AsyncBulkCalls, AsyncAccount, AsyncReaders, AsyncResourceMethods
):
    """A client for one Keystone API server, for asyncio: every call is awaited.

    It takes the arguments of :class:`~keystone.KeystoneClient`, and speaks to every release
    that one does, with the same rules (retries, deadlines, throttles, credentials, typed
    errors, logs). What differs: ``await client.login(...)``, ``await client.http_get(...)``,
    ``await client.retrieve_cluster(pk=1)``; ``client.iter_cluster()`` is an async iterator
    (``async for``); ``await client.server()`` and ``await client.api_version()`` are
    coroutines (they may have to ask the server); ``await client.batch(fn, items)`` runs an
    ``async def fn`` over the items, ``workers`` at a time; ``async with client.atomic() as
    job:``; ``async with AsyncKeystoneClient(url) as client:`` or ``await client.aclose()``.

    ``middleware`` must be async (``async def middleware(request, call_next)``, awaiting
    ``call_next``) or hooks (:class:`~keystone.HookMiddleware`); a sync middleware would block
    the event loop, and is refused here. ``transport`` is an
    :class:`~keystone.AsyncBaseTransport`, or ``keystone.testing.MockTransport`` (whose handler
    may be sync or ``async def``).

    The client is made for one event loop at a time; it may be used by one ``asyncio.run``
    after another (each loop gets its own connections and locks). It does not pickle (its
    connections and locks belong to a loop): give each process a client of its own.
    """

    _asynchronous = True

    def _own_transport(
        self, base_url: BaseURL, timeout: Timeout, pool_maxsize: int, network: dict[str, Any]
    ) -> AsyncBaseTransport:
        try:
            from keystone._transport.aio import AiohttpTransport
        except ImportError as missing:
            raise ImportError(
                "AsyncKeystoneClient sends with aiohttp, which is not installed: "
                "pip install 'aiohttp>=3.11,<4' (the client's async extra; or give transport=)"
            ) from missing
        return AiohttpTransport(base_url, timeout=timeout, pool_maxsize=pool_maxsize, **network)

    async def aclose(self) -> None:
        """Close pooled connections. The client stays usable and reconnects when needed."""
        transport = self._core.transport
        if isinstance(transport, AsyncBaseTransport):
            await transport.aclose()

    async def __aenter__(self) -> AsyncKeystoneClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def __reduce__(self) -> Any:
        raise TypeError(
            "an AsyncKeystoneClient does not pickle (its connections and locks belong to an "
            "event loop); make one in each process, with the same arguments"
        )
