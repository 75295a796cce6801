"""``MockTransport``: answers a client's requests from a function, for your own unit tests.

Give it to ``KeystoneClient(url, transport=MockTransport(handler))``: every request the client
would send goes through the whole chain (base URL, JSON, retries, auth, logs) and then to
``handler(request)`` instead of the network, which returns the :class:`~keystone.Response`::

    def handler(request):
        if request.url.endswith("/allocations/clusters/1/"):
            return Response(200, json={"id": 1, "name": "gpu"})
        return Response(404, json={"detail": "Not found."})

    client = KeystoneClient("http://keystone.test", transport=MockTransport(handler),
                            auth=StaticTokenAuth("key"), server="0.10.9")
    assert client.retrieve_cluster(pk=1)["name"] == "gpu"

``server=`` says which Keystone release to speak to; without it the client's first resource
call asks the server (``GET version/``), and ``handler`` sees that too.

The same transport serves :class:`~keystone.AsyncKeystoneClient`, whose requests go to
:meth:`MockTransport.handle_async`; ``handler`` may then be a plain function or an
``async def`` (awaited)::

    async def handler(request):
        return Response(200, json={"id": 1, "name": "gpu"})

    client = AsyncKeystoneClient("http://keystone.test", transport=MockTransport(handler),
                                 auth=StaticTokenAuth("key"), server="0.10.9")
    assert (await client.retrieve_cluster(pk=1))["name"] == "gpu"

``handler`` may also raise a :class:`~keystone.TransportError` (e.g. ``ConnectError``) to play
a network failure. Every request it saw is kept in :attr:`MockTransport.requests`, in order.
For behaviour that depends on a real server (sessions, throttling, pagination), use the
emulator (:class:`~keystone.testing.KeystoneEmulator`) instead.
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Awaitable, Callable

from keystone import BaseTransport, Request, Response


class MockTransport(BaseTransport):
    """A transport whose answers come from ``handler(request) -> Response``.

    For :class:`~keystone.KeystoneClient` it is called; :class:`~keystone.AsyncKeystoneClient`
    awaits :meth:`handle_async`, for which ``handler`` may also be an ``async def``.
    """

    def __init__(self, handler: Callable[[Request], Response | Awaitable[Response]]) -> None:
        if not callable(handler):
            raise TypeError(f"MockTransport needs a function request -> Response, not {handler!r}")
        self.handler = handler
        self.requests: list[Request] = []
        self._lock = threading.Lock()

    def __call__(self, request: Request) -> Response:
        with self._lock:
            self.requests.append(request)
        response = self.handler(request)
        if inspect.isawaitable(response):
            if inspect.iscoroutine(response):
                response.close()  # never started: nothing ran, and no "never awaited" warning
            name = getattr(self.handler, "__qualname__", repr(self.handler))
            raise TypeError(
                f"the MockTransport handler {name!r} is asynchronous (it returned an awaitable), "
                "and KeystoneClient cannot await it: give this MockTransport to "
                "AsyncKeystoneClient(url, transport=...), or make the handler a plain function "
                "returning a keystone.Response"
            )
        return _answer(response, request)

    async def handle_async(self, request: Request) -> Response:
        """What :class:`~keystone.AsyncKeystoneClient` sends to: ``handler(request)``, awaited
        if it returns an awaitable (an ``async def`` handler)."""
        with self._lock:
            self.requests.append(request)
        response = self.handler(request)
        if inspect.isawaitable(response):
            response = await response
        return _answer(response, request)

    def __repr__(self) -> str:
        return f"<MockTransport {len(self.requests)} requests>"


def _answer(response: object, request: Request) -> Response:
    """The handler's ``response`` to ``request``, checked, with its request and URL filled in."""
    if not isinstance(response, Response):
        raise TypeError(
            f"the MockTransport handler returned {response!r}; return a keystone.Response, "
            "e.g. Response(200, json={...})"
        )
    if response.request is None:
        response.request = request
    if not response.url:
        response.url = request.url
    return response
