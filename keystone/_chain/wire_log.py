"""The wire log: each exchange with the server at DEBUG on ``keystone.wire``, secrets redacted.

It sits just above the transport, inside the authentication layer, so it shows exactly what
goes on the wire for every attempt, replays after a token refresh included: the final URL, the
``Authorization`` header (as ``Bearer ***``), the encoded body. Headers and bodies pass through
a :class:`~keystone._redaction.Redactor`: ``Authorization``, cookies, ``password``, ``access``,
``refresh``, ``token`` and any configured field names never reach a handler.

Each exchange gives two records, ``-->`` when the request leaves and ``<--`` when the answer
(or the failure) comes back; both carry the fields of
:func:`keystone.middleware.log_fields` plus the redacted ``headers`` and ``body``.
When ``keystone.wire`` is not enabled for DEBUG, an exchange costs one cached
``isEnabledFor`` check.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Mapping

from keystone._log_fields import log_fields, status_of
from keystone._pipeline import Layer
from keystone._redaction import DEFAULT_REDACTOR, Redactor
from keystone._request import Request
from keystone._response import Response

#: The logger of the wire exchanges.
LOGGER_NAME = "keystone.wire"

#: Bodies longer than this many characters (after redaction) are cut in the log.
DEFAULT_MAX_BODY = 4096


class WireLogMiddleware(Layer):
    """Logs each request and response with headers and bodies at DEBUG; see the module doc."""

    name = "wire_log"

    def __init__(
        self,
        logger: logging.Logger | str = LOGGER_NAME,
        *,
        redactor: Redactor = DEFAULT_REDACTOR,
        max_body: int = DEFAULT_MAX_BODY,
    ) -> None:
        self.logger = logging.getLogger(logger) if isinstance(logger, str) else logger
        self.redactor = redactor
        self.max_body = max_body

    def handle(self, request: Request) -> Response:
        if not self.logger.isEnabledFor(logging.DEBUG):
            return self.call_next(request)
        send, started = self._sending(request)
        try:
            response = self.call_next(request)
        except Exception as error:
            self._failed(request, send, started, error)
            raise
        self._answered(request, send, started, response)
        return response

    def handle_async(self, request: Request) -> Awaitable[Response]:
        # Not a coroutine when there is nothing to log: the rest of the chain's is handed back.
        if not self.logger.isEnabledFor(logging.DEBUG):
            return self.acall_next(request)
        return self._logged_async(request)

    async def _logged_async(self, request: Request) -> Response:
        send, started = self._sending(request)
        try:
            response = await self.acall_next(request)
        except Exception as error:
            self._failed(request, send, started, error)
            raise
        self._answered(request, send, started, response)
        return response

    def _sending(self, request: Request) -> tuple[int, float]:
        """Log ``request`` going out; its send number in the call, and when it went."""
        call = request.call
        send = call.wire_sends = call.wire_sends + 1
        redactor = self.redactor
        headers = redactor.headers_of(request.headers)
        body = self._body(request.body, request.headers)
        fields = log_fields(request, redactor, send=send, headers=headers, body=body)
        self.logger.debug(
            "--> %s %s (send %d)%s",
            request.method,
            fields["url"],
            send,
            _details(headers, body),
            extra=fields,
        )
        return send, time.perf_counter()

    def _failed(self, request: Request, send: int, started: float, error: Exception) -> None:
        elapsed_ms = (time.perf_counter() - started) * 1000.0
        status, shown = status_of(error)
        redactor = self.redactor
        fields = log_fields(
            request,
            redactor,
            send=send,
            status_code=status,
            elapsed_ms=round(elapsed_ms, 3),
            error=type(error).__name__,
            headers={},
            body="",
        )
        self.logger.debug(
            "<-- %s %s failed after %.1f ms: %s",
            request.method,
            fields["url"],
            elapsed_ms,
            redactor.text(str(error)) or shown,
            extra=fields,
        )

    def _answered(self, request: Request, send: int, started: float, response: Response) -> None:
        elapsed_ms = (time.perf_counter() - started) * 1000.0
        redactor = self.redactor
        headers = redactor.headers_of(response.headers.items())
        body = self._body(response.content, response.headers, response.status_code >= 400)
        fields = log_fields(
            request,
            redactor,
            send=send,
            status_code=response.status_code,
            elapsed_ms=round(elapsed_ms, 3),
            error=None,
            headers=headers,
            body=body,
        )
        self.logger.debug(
            "<-- %s %s %s (%.1f ms)%s",
            f"{response.status_code} {response.reason}".strip(),
            request.method,
            fields["url"],
            elapsed_ms,
            _details(headers, body),
            extra=fields,
        )

    def _body(self, body: bytes | None, headers: Mapping[str, str], error: bool = False) -> str:
        """The body as the log shows it; an error answer's field messages stay readable."""
        content_type = headers.get("Content-Type") or headers.get("content-type")
        return self.redactor.body(body, content_type, self.max_body, messages=error)

    def __repr__(self) -> str:
        return f"<WireLogMiddleware logger={self.logger.name!r}>"


def _details(headers: dict[str, str], body: str) -> str:
    lines = [f"\n    {name}: {value}" for name, value in headers.items()]
    if body:
        lines.append(f"\n    {body}")
    return "".join(lines)
