"""The call log: one INFO line per completed call, on the stdlib logger ``keystone.http``.

The client logs through children of the ``keystone`` logger, one per concern:

- ``keystone.http`` (this module): INFO, one line per call once it is complete, with the
  method, path, final status, elapsed milliseconds and the number of attempts it took.
- ``keystone.backoff``: WARNING, each retry with its reason.
- ``keystone.auth``: each renewal of the access token, and the failures to renew.
- ``keystone.wire`` (:mod:`keystone.middleware.wire_log`): DEBUG, each exchange on the wire
  with its headers and bodies, credentials redacted.

Every record carries the same fields as attributes (see :func:`log_fields`), so structured
handlers (JSON formatters, log shippers) need not parse the message. When ``keystone.http`` is
not enabled for INFO, a call costs one cached ``isEnabledFor`` check here and nothing else.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from keystone.correlation import CID_HEADER, request_id_of
from keystone.pipeline import Handler
from keystone.redaction import DEFAULT_REDACTOR, Redactor
from keystone.request import Request
from keystone.response import Response

#: The parent of every logger of the client.
ROOT_LOGGER_NAME = "keystone"

#: The logger of the call lines.
LOGGER_NAME = "keystone.http"

#: ``request.context`` keys where the backoff layer leaves the attempt count of a call.
ATTEMPT_KEYS = ("attempts", "attempt")


def log_fields(
    request: Request, redactor: Redactor = DEFAULT_REDACTOR, **more: Any
) -> dict[str, Any]:
    """The attributes every record about ``request`` carries, plus ``more``.

    ``method``, ``url`` (credentials in it redacted), ``cid`` (the client's correlation id),
    ``request_id`` (this call's id), ``kind`` (``"api"``, ``"login"``, ``"refresh"`` or
    ``"logout"``) and ``attempt``. Pass the result as ``extra=`` to a logging call.
    """
    context = request.context
    fields: dict[str, Any] = {
        "method": request.method,
        "url": redactor.url(request.url),
        "cid": request.headers.get(CID_HEADER),
        "request_id": request_id_of(context),
        "kind": context.get("kind", "api"),
        "attempt": attempts_of(request),
    }
    fields.update(more)
    return fields


def attempts_of(request: Request, error: BaseException | None = None) -> int:
    """How many times the call was sent: from the final error, else from the request context."""
    if error is not None:
        attempts = getattr(error, "attempts", None)
        if isinstance(attempts, int) and attempts > 1:
            return attempts
    context = request.context
    for key in ATTEMPT_KEYS:
        value = context.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return 1


def path_of(url: str) -> str:
    """The path and query of an absolute URL (``url`` itself if it is relative)."""
    start = url.find("://")
    if start < 0:
        return url
    slash = url.find("/", start + 3)
    return url[slash:] if slash >= 0 else "/"


def status_of(error: BaseException) -> tuple[int | None, str]:
    """The HTTP status of a failed call (``None`` if no answer came) and how to show it."""
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None)
    if isinstance(status, int):
        reason = getattr(response, "reason", "") or ""
        return status, f"{status} {reason}".strip()
    return None, type(error).__name__


class LoggingMiddleware:
    """Logs each completed call at INFO on ``keystone.http``; see the module docstring.

    It belongs outside the backoff layer (the client puts it first in its built-in chain), so
    it sees each call once, with its final status and the number of attempts it took.
    ``redactor`` hides credentials in URLs; give one with extra field names to hide more.
    """

    name = "log"

    def __init__(
        self,
        logger: logging.Logger | str = LOGGER_NAME,
        *,
        redactor: Redactor = DEFAULT_REDACTOR,
        level: int = logging.INFO,
    ) -> None:
        self.logger = logging.getLogger(logger) if isinstance(logger, str) else logger
        self.redactor = redactor
        self.level = level

    def __call__(self, request: Request, call_next: Handler) -> Response:
        if not self.logger.isEnabledFor(self.level):
            return call_next(request)
        request_id_of(request.context)
        started = time.perf_counter()
        try:
            response = call_next(request)
        except Exception as error:
            status, shown = status_of(error)
            self._log(request, started, status, shown, error)
            raise
        status = response.status_code
        self._log(request, started, status, f"{status} {response.reason}".strip(), None)
        return response

    def _log(
        self,
        request: Request,
        started: float,
        status: int | None,
        shown: str,
        error: BaseException | None,
    ) -> None:
        elapsed_ms = (time.perf_counter() - started) * 1000.0
        attempts = attempts_of(request, error)
        fields = log_fields(
            request,
            self.redactor,
            status_code=status,
            elapsed_ms=round(elapsed_ms, 3),
            attempt=attempts,
            error=None if error is None else type(error).__name__,
        )
        kind = fields["kind"]
        self.logger.log(
            self.level,
            "%s %s -> %s (%.1f ms, %d attempt%s)%s",
            request.method,
            path_of(fields["url"]),
            shown,
            elapsed_ms,
            attempts,
            "" if attempts == 1 else "s",
            "" if kind == "api" else f" [{kind}]",
            extra=fields,
        )

    def __repr__(self) -> str:
        return f"<LoggingMiddleware logger={self.logger.name!r}>"
