"""Built-in middleware, one concern per module, and the contract for writing your own."""

from keystone.middleware.backoff import BackoffMiddleware
from keystone.middleware.base_url import BaseURLMiddleware
from keystone.middleware.json_body import JSONMiddleware
from keystone.middleware.logging import LoggingMiddleware, log_fields
from keystone.middleware.metrics import MetricsMiddleware, MetricsSink, path_template
from keystone.middleware.placement import PerAttempt, per_attempt, split_placement
from keystone.middleware.wire_log import WireLogMiddleware
from keystone.pipeline import Handler, HookMiddleware, Middleware

__all__ = [
    "BackoffMiddleware",
    "BaseURLMiddleware",
    "Handler",
    "HookMiddleware",
    "JSONMiddleware",
    "LoggingMiddleware",
    "MetricsMiddleware",
    "MetricsSink",
    "Middleware",
    "PerAttempt",
    "WireLogMiddleware",
    "log_fields",
    "path_template",
    "per_attempt",
    "split_placement",
]
