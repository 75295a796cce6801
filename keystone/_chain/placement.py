"""Where user middleware goes in the chain: outside the built-in layers, or per attempt.

By default a client puts its user middleware outside every built-in layer, so each one sees a
call once: the endpoint as the caller gave it, and the final outcome after retries (4xx/5xx as
typed :class:`~keystone._errors.HTTPError` exceptions). Wrapping one in :func:`per_attempt`
moves it inside the backoff layer, just outside authentication: it then runs once per attempt,
sees the absolute URL, and gets every answer as a :class:`~keystone._response.Response`, a 503
that will be retried included. That is the place for a rate limiter that must count every
request sent, or metrics of what the server really answered.
"""

from __future__ import annotations

from collections.abc import Sequence

from keystone._pipeline import Middleware, MiddlewareLike, as_middleware, middleware_name


class PerAttempt:
    """A middleware marked to run once per attempt, inside the backoff layer.

    The client's chain takes the wrapped middleware out of it (see :func:`split_placement`),
    so the mark itself never runs.
    """

    __slots__ = ("middleware", "name")

    def __init__(self, middleware: MiddlewareLike) -> None:
        if isinstance(middleware, PerAttempt):
            middleware = middleware.middleware
        self.middleware: Middleware = as_middleware(middleware)
        self.name = middleware_name(self.middleware)

    def __repr__(self) -> str:
        return f"per_attempt({self.middleware!r})"


def per_attempt(middleware: MiddlewareLike) -> PerAttempt:
    """Mark ``middleware`` (a callable or an object with hooks) to run on every attempt.

    ``KeystoneClient(url, middleware=[timing, keystone.per_attempt(rate_limiter)])``
    """
    return PerAttempt(middleware)


#: What a client's ``middleware=`` list holds: middleware, or middleware marked
#: :func:`per_attempt`.
MiddlewareItem = MiddlewareLike | PerAttempt


def split_placement(
    middleware: Sequence[MiddlewareItem],
) -> tuple[list[Middleware], list[Middleware]]:
    """Split a client's ``middleware=`` list into (outer, per-attempt), each in the given order.

    Every item is checked with :func:`~keystone._pipeline.as_middleware`; per-attempt items come
    back unwrapped, so they cost no extra call in the chain.
    """
    outer: list[Middleware] = []
    inner: list[Middleware] = []
    for item in middleware:
        if isinstance(item, PerAttempt):
            inner.append(item.middleware)
        else:
            outer.append(as_middleware(item))
    return outer, inner
