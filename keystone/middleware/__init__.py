"""Extending the client: the middleware contract, per-attempt placement, metrics.

A middleware is any callable ``(request, call_next) -> Response`` (see :class:`Middleware`), or
an object with any of the hooks of :class:`HookMiddleware`. Give a list of them to
``KeystoneClient(url, middleware=[...])``; wrap one in :func:`per_attempt` to run it on every
attempt instead of once per call. :class:`MetricsMiddleware` counts and times calls;
``keystone.middleware.metrics_prometheus`` and ``keystone.middleware.metrics_otel`` forward
those counts. docs/middleware.md shows each.
"""

from keystone._chain.placement import per_attempt
from keystone._log_fields import log_fields
from keystone._pipeline import Handler, HookMiddleware, Middleware, MiddlewareLike
from keystone.middleware._metrics import MetricsMiddleware, MetricsSink, path_template

__all__ = [
    "Handler",
    "HookMiddleware",
    "MetricsMiddleware",
    "MetricsSink",
    "Middleware",
    "MiddlewareLike",
    "log_fields",
    "path_template",
    "per_attempt",
]
