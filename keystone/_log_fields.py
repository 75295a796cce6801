"""The fields every log record about a call carries, for every logger of the client.

The call log (``keystone.http``), the wire log (``keystone.wire``), the retry log
(``keystone.backoff``) and the renewal log (``keystone.auth``) all describe a request with the
same attributes, so structured handlers (JSON formatters, log shippers) need not parse the
message. Kept apart from the middleware so the auth strategies and the retry loop can log
without importing it.
"""

from __future__ import annotations

from typing import Any

from keystone._correlation import CID_HEADER, new_request_id
from keystone._redaction import DEFAULT_REDACTOR, Redactor
from keystone._request import CallState, Request


def request_id_of(call: CallState) -> str:
    """The id of the call's log records, made on first use (only when something is logged)."""
    request_id = call.request_id
    if request_id is None:
        request_id = call.request_id = new_request_id()
    return request_id


def log_fields(
    request: Request, redactor: Redactor = DEFAULT_REDACTOR, **more: Any
) -> dict[str, Any]:
    """The attributes every record about ``request`` carries, plus ``more``.

    ``method``, ``url`` (credentials in it redacted), ``cid`` (the client's correlation id),
    ``request_id`` (this call's id), ``kind`` (``"api"``, ``"login"``, ``"refresh"`` or
    ``"logout"``) and ``attempt``. Pass the result as ``extra=`` to a logging call.
    """
    call = request.call
    fields: dict[str, Any] = {
        "method": request.method,
        "url": redactor.url(request.url),
        "cid": request.headers.get(CID_HEADER),
        "request_id": request_id_of(call),
        "kind": call.kind,
        "attempt": call.attempt,
    }
    fields.update(more)
    return fields


def status_of(error: BaseException) -> tuple[int | None, str]:
    """The HTTP status of a failed call (``None`` if no answer came) and how to show it."""
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None)
    if isinstance(status, int):
        reason = getattr(response, "reason", "") or ""
        return status, f"{status} {reason}".strip()
    return None, type(error).__name__


def path_of(url: str) -> str:
    """The path and query of an absolute URL (``url`` itself if it is relative)."""
    start = url.find("://")
    if start < 0:
        return url
    slash = url.find("/", start + 3)
    return url[slash:] if slash >= 0 else "/"
