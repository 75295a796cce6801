"""Makes endpoints absolute under the client's base URL and folds the query into the URL."""

from __future__ import annotations

from collections.abc import Awaitable

from keystone._pipeline import Layer
from keystone._query import Query, encode_query
from keystone._request import Request
from keystone._response import Response
from keystone._urls import BaseURL


class BaseURLMiddleware(Layer):
    """``allocations/clusters`` becomes ``https://host/base/allocations/clusters/``.

    Query parameters are encoded the way Keystone reads them (lists comma-joined), or taken as
    they are when already encoded (a :class:`~keystone._query.Query`), and moved into the URL,
    so running this twice on one request changes nothing the second time.
    """

    name = "base_url"

    def __init__(self, base_url: BaseURL) -> None:
        self.base_url = base_url

    def handle(self, request: Request) -> Response:
        self.absolute(request)
        return self.call_next(request)

    def handle_async(self, request: Request) -> Awaitable[Response]:
        # Not a coroutine: it hands back the rest of the chain's, one frame fewer to resume.
        self.absolute(request)
        return self.acall_next(request)

    def absolute(self, request: Request) -> None:
        """Make ``request``'s URL absolute, with its query in it."""
        url = self.base_url.join(request.url)
        params = request.params
        if params:
            query = params if isinstance(params, Query) else encode_query(params)
            if query:
                url = f"{url}{'&' if '?' in url else '?'}{query}"
            request.params = None
        request.url = url
