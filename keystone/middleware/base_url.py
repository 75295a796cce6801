"""Makes endpoints absolute under the client's base URL and folds query parameters into it."""

from __future__ import annotations

from keystone.pipeline import Handler
from keystone.query import encode_query
from keystone.request import Request
from keystone.response import Response
from keystone.urls import BaseURL


class BaseURLMiddleware:
    """``allocations/clusters`` becomes ``https://host/base/allocations/clusters/``.

    Query parameters are encoded the way Keystone reads them (lists comma-joined) and moved
    into the URL, so running this twice on one request changes nothing the second time.
    """

    name = "base_url"

    def __init__(self, base_url: BaseURL) -> None:
        self.base_url = base_url

    def __call__(self, request: Request, call_next: Handler) -> Response:
        url = self.base_url.join(request.url)
        if request.params:
            query = encode_query(request.params)
            if query:
                url = f"{url}{'&' if '?' in url else '?'}{query}"
            request.params = None
        request.url = url
        return call_next(request)
