"""The client's chain with the backoff layer, for tests over real sockets.

base URL -> JSON -> backoff -> transport, exactly as ``KeystoneClient`` composes it, with an
optional bearer token sent as a plain header (so no auth layer is needed).
"""

from __future__ import annotations

from typing import Any

from keystone.middleware.backoff import BackoffMiddleware
from keystone.middleware.base_url import BaseURLMiddleware
from keystone.middleware.json_body import JSONMiddleware
from keystone.pipeline import compose
from keystone.request import DEFAULT_TIMEOUT, Request, TimeoutLike
from keystone.response import Response
from keystone.retry_policy import RetryPolicy
from keystone.transport import Transport
from keystone.urls import BaseURL

#: Quick waits so fault tests finish fast; the rules are what is tested, not the durations.
QUICK = RetryPolicy(max_attempts=4, backoff_base=0.02, backoff_cap=0.1, deadline=20.0)


class Chain:
    def __init__(
        self,
        url: str,
        policy: RetryPolicy = QUICK,
        *,
        token: str | None = None,
        timeout: TimeoutLike = (5.0, 10.0),
        pool_maxsize: int = 10,
    ) -> None:
        base = BaseURL(url)
        self.transport = Transport(base, timeout=timeout, pool_maxsize=pool_maxsize)
        self.backoff = BackoffMiddleware(policy)
        self.handler = compose(
            [BaseURLMiddleware(base), JSONMiddleware(), self.backoff], self.transport
        )
        self.headers = {"Accept": "application/json"}
        if token is not None:
            self.headers["Authorization"] = f"Bearer {token}"

    def send(
        self,
        method: str,
        endpoint: str,
        json: Any = None,
        *,
        retry: RetryPolicy | None = None,
        timeout: TimeoutLike = DEFAULT_TIMEOUT,
    ) -> Response:
        context: dict[str, Any] = {"kind": "api"}
        if retry is not None:
            context["retry"] = retry
        request = Request(
            method,
            endpoint,
            headers=dict(self.headers),
            json=json,
            timeout=timeout,
            context=context,
        )
        return self.handler(request)

    def close(self) -> None:
        self.transport.close()
