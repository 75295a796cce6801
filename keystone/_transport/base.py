"""What every transport is: the last handler of the chain, from a request to a response.

A transport receives a :class:`~keystone.Request` whose URL is absolute and whose body is bytes,
and returns a :class:`~keystone.Response` for any HTTP status (it raises only when no answer
came: a :class:`~keystone.TransportError`). The client's own is the urllib3 one; tests give
``keystone.testing.MockTransport`` instead, with ``KeystoneClient(url, transport=...)``.
"""

from __future__ import annotations

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
