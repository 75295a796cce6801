"""The call log: one INFO line per completed call, on the stdlib logger ``keystone.http``.

The client logs through children of the ``keystone`` logger, one per concern:

- ``keystone.http`` (this module): INFO, one line per call once it is complete, with the
  method, path, final status, elapsed milliseconds and the number of attempts it took.
- ``keystone.backoff``: WARNING, each retry with its reason.
- ``keystone.auth``: each renewal of the access token, and the failures to renew.
- ``keystone.wire`` (:mod:`keystone._chain.wire_log`): DEBUG, each exchange on the wire
  with its headers and bodies, credentials redacted.

Every record carries the same fields as attributes (see :func:`log_fields`), so structured
handlers (JSON formatters, log shippers) need not parse the message. When ``keystone.http`` is
not enabled for INFO, a call costs one cached ``isEnabledFor`` check here and nothing else.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable

from keystone._log_fields import log_fields, path_of, request_id_of, status_of
from keystone._pipeline import Layer
from keystone._redaction import DEFAULT_REDACTOR, Redactor
from keystone._request import Request
from keystone._response import Response

#: The logger of the call lines.
LOGGER_NAME = "keystone.http"


class LoggingMiddleware(Layer):
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
        if isinstance(level, bool) or not isinstance(level, int):
            raise TypeError(f"level={level!r} must be a logging level such as logging.INFO")
        self.logger = logging.getLogger(logger) if isinstance(logger, str) else logger
        self.redactor = redactor
        self.level = level

    def handle(self, request: Request) -> Response:
        if not self.logger.isEnabledFor(self.level):
            return self.call_next(request)
        started = _started(request)
        try:
            response = self.call_next(request)
        except Exception as error:
            self._failed(request, started, error)
            raise
        self._answered(request, started, response)
        return response

    def handle_async(self, request: Request) -> Awaitable[Response]:
        # Not a coroutine when there is nothing to log: the rest of the chain's is handed back.
        if not self.logger.isEnabledFor(self.level):
            return self.acall_next(request)
        return self._logged_async(request)

    async def _logged_async(self, request: Request) -> Response:
        started = _started(request)
        try:
            response = await self.acall_next(request)
        except Exception as error:
            self._failed(request, started, error)
            raise
        self._answered(request, started, response)
        return response

    def _failed(self, request: Request, started: float, error: Exception) -> None:
        status, shown = status_of(error)
        self._log(request, started, status, shown, error)

    def _answered(self, request: Request, started: float, response: Response) -> None:
        status = response.status_code
        self._log(request, started, status, f"{status} {response.reason}".strip(), None)

    def _log(
        self,
        request: Request,
        started: float,
        status: int | None,
        shown: str,
        error: BaseException | None,
    ) -> None:
        elapsed_ms = (time.perf_counter() - started) * 1000.0
        attempts = request.call.attempt
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


def _started(request: Request) -> float:
    """When a logged call started (its request id made first, for every line of it)."""
    request_id_of(request.call)
    return time.perf_counter()
