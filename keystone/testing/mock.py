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

``handler`` may also raise a :class:`~keystone.TransportError` (e.g. ``ConnectError``) to play
a network failure. Every request it saw is kept in :attr:`MockTransport.requests`, in order.
For behaviour that depends on a real server (sessions, throttling, pagination), use the
emulator (:class:`~keystone.testing.KeystoneEmulator`) instead.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from keystone import BaseTransport, Request, Response


class MockTransport(BaseTransport):
    """A transport whose answers come from ``handler(request) -> Response``."""

    def __init__(self, handler: Callable[[Request], Response]) -> None:
        if not callable(handler):
            raise TypeError(f"MockTransport needs a function request -> Response, not {handler!r}")
        self.handler = handler
        self.requests: list[Request] = []
        self._lock = threading.Lock()

    def __call__(self, request: Request) -> Response:
        with self._lock:
            self.requests.append(request)
        response = self.handler(request)
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

    def __repr__(self) -> str:
        return f"<MockTransport {len(self.requests)} requests>"
