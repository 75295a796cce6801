"""Python client for the Keystone REST API (HPC allocation management).

``from keystone_client import KeystoneClient`` is the documented import path; this package,
``keystone``, is where the code lives, and exports the same names. Its public API is exactly
``__all__`` below (docs/api.md lists it); every module whose name starts with ``_`` is internal.
The public subpackages are :mod:`keystone.auth`, :mod:`keystone.middleware`,
:mod:`keystone.resources` and :mod:`keystone.testing`.
"""

import logging as _logging

from keystone._async_client import AsyncKeystoneClient
from keystone._batch import BatchResults, Outcome
from keystone._bulk import AsyncAtomicJob
from keystone._client import KeystoneClient
from keystone._errors import (
    BatchDeadlineError,
    BatchError,
    BatchNotStartedError,
    ConnectError,
    ConnectionDroppedError,
    ConnectTimeout,
    DeadlineExceededError,
    KeystoneError,
    OutcomeUnknownError,
    PaginationError,
    ProxyError,
    ReadTimeout,
    ResponseDecodeError,
    ResultTransferError,
    ThrottleWaitError,
    TimeoutError,  # noqa: F401 (the old name of TransportTimeout, kept for old imports)
    TLSError,
    TokenRefreshError,
    TransportError,
    TransportTimeout,
    UnexpectedResponseError,
    UnsupportedError,
    WorkerLostError,
)
from keystone._headers import Headers
from keystone._http_errors import (
    AuthenticationError,
    BadRequestError,
    ClientError,
    HTTPError,
    JobError,
    JobThrottledError,
    MethodNotAllowedError,
    NotFoundError,
    PermissionDeniedError,
    ServerError,
    SessionExpiredError,
    ThrottledError,
    ValidationError,
)
from keystone._operations.job_methods import AtomicJob
from keystone._operations.job_steps import Step, StepResult
from keystone._operations.raw import RawResponse
from keystone._pipeline import AsyncHandler, Handler, HookMiddleware, Middleware
from keystone._redaction import Redactor
from keystone._request import CallState, Request
from keystone._response import Response
from keystone._retry_policy import RetryPolicy
from keystone._servers import Generation, Login, Paging, Server
from keystone._timeouts import DEFAULT_TIMEOUT
from keystone._transport.base import AsyncBaseTransport, BaseTransport
from keystone._transport.shared import InsecureConnectionWarning
from keystone._version import __version__
from keystone.auth import AuthStrategy, JWTAuth, LoginAuth, SessionAuth, StaticTokenAuth
from keystone.middleware import MetricsMiddleware, per_attempt

#: Tells ``keystone_client`` that the ``keystone`` it imports is this package.
__keystone_api_client__ = True

# A library prints nothing until the application configures logging: without a handler of its
# own, records of WARNING and above would reach stderr through logging's last-resort handler.
_logging.getLogger("keystone").addHandler(_logging.NullHandler())

__all__ = [
    "DEFAULT_TIMEOUT",
    "AsyncAtomicJob",
    "AsyncBaseTransport",
    "AsyncHandler",
    "AsyncKeystoneClient",
    "AtomicJob",
    "AuthStrategy",
    "AuthenticationError",
    "BadRequestError",
    "BaseTransport",
    "BatchDeadlineError",
    "BatchError",
    "BatchNotStartedError",
    "BatchResults",
    "CallState",
    "ClientError",
    "ConnectError",
    "ConnectTimeout",
    "ConnectionDroppedError",
    "DeadlineExceededError",
    "Generation",
    "HTTPError",
    "Handler",
    "Headers",
    "HookMiddleware",
    "InsecureConnectionWarning",
    "JWTAuth",
    "JobError",
    "JobThrottledError",
    "KeystoneClient",
    "KeystoneError",
    "Login",
    "LoginAuth",
    "MethodNotAllowedError",
    "MetricsMiddleware",
    "Middleware",
    "NotFoundError",
    "Outcome",
    "OutcomeUnknownError",
    "PaginationError",
    "Paging",
    "PermissionDeniedError",
    "ProxyError",
    "RawResponse",
    "ReadTimeout",
    "Redactor",
    "Request",
    "Response",
    "ResponseDecodeError",
    "ResultTransferError",
    "RetryPolicy",
    "Server",
    "ServerError",
    "SessionAuth",
    "SessionExpiredError",
    "StaticTokenAuth",
    "Step",
    "StepResult",
    "TLSError",
    "ThrottleWaitError",
    "ThrottledError",
    "TokenRefreshError",
    "TransportError",
    "TransportTimeout",
    "UnexpectedResponseError",
    "UnsupportedError",
    "ValidationError",
    "WorkerLostError",
    "__version__",
    "per_attempt",
]
