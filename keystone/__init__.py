"""Python client for the Keystone REST API (HPC allocation management).

``from keystone_client import KeystoneClient`` is the documented, stable import path;
``keystone`` is the package itself (note that OpenStack's identity server also uses that name).
"""

import logging as _logging

from keystone._version import __version__
from keystone.auth import AuthStrategy, JWTAuth, StaticTokenAuth
from keystone.client import KeystoneClient
from keystone.errors import (
    AuthenticationError,
    BadRequestError,
    ClientError,
    ConnectError,
    ConnectionDroppedError,
    ConnectTimeout,
    HTTPError,
    KeystoneError,
    MethodNotAllowedError,
    NotFoundError,
    OutcomeUnknownError,
    PermissionDeniedError,
    ReadTimeout,
    ResponseDecodeError,
    ServerError,
    SessionExpiredError,
    ThrottledError,
    TimeoutError,
    TokenRefreshError,
    TransportError,
    ValidationError,
)
from keystone.middleware.backoff import BackoffMiddleware
from keystone.middleware.logging import LoggingMiddleware
from keystone.middleware.metrics import MetricsMiddleware
from keystone.middleware.placement import per_attempt
from keystone.middleware.wire_log import WireLogMiddleware
from keystone.pipeline import Handler, HookMiddleware, Middleware
from keystone.redaction import Redactor
from keystone.request import DEFAULT_TIMEOUT, Request
from keystone.resources import PaginationError, UnexpectedResponseError
from keystone.response import Response
from keystone.retry_policy import RetryPolicy
from keystone.transport import InsecureConnectionWarning

# A library prints nothing until the application configures logging: without a handler of its
# own, records of WARNING and above would reach stderr through logging's last-resort handler.
_logging.getLogger("keystone").addHandler(_logging.NullHandler())

__all__ = [
    "DEFAULT_TIMEOUT",
    "AuthStrategy",
    "AuthenticationError",
    "BackoffMiddleware",
    "BadRequestError",
    "ClientError",
    "ConnectError",
    "ConnectTimeout",
    "ConnectionDroppedError",
    "HTTPError",
    "Handler",
    "HookMiddleware",
    "InsecureConnectionWarning",
    "JWTAuth",
    "KeystoneClient",
    "KeystoneError",
    "LoggingMiddleware",
    "MethodNotAllowedError",
    "MetricsMiddleware",
    "Middleware",
    "NotFoundError",
    "OutcomeUnknownError",
    "PaginationError",
    "PermissionDeniedError",
    "ReadTimeout",
    "Redactor",
    "Request",
    "Response",
    "ResponseDecodeError",
    "RetryPolicy",
    "ServerError",
    "SessionExpiredError",
    "StaticTokenAuth",
    "ThrottledError",
    "TimeoutError",
    "TokenRefreshError",
    "TransportError",
    "UnexpectedResponseError",
    "ValidationError",
    "WireLogMiddleware",
    "__version__",
    "per_attempt",
]
