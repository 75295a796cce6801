"""Sends request data as JSON, once, and raises the final 4xx/5xx answer as a typed error.

Keystone is a JSON API: form-encoded bodies lose types (``enabled=false`` stored for a new
cluster whose default is ``true``), so data is always serialised to JSON here, once, into
bytes that inner layers (retries, the replay after a renewal) resend unchanged. On the way back
this is the one layer that turns a status into an error
(:func:`~keystone._errors.error_for_response`), with what the backoff layer noted on the call.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import json
import uuid
from typing import Any

from keystone._errors import shown_url
from keystone._http_errors import error_for_response
from keystone._pipeline import Layer
from keystone._request import Request
from keystone._response import Response


def _encode_extra(value: Any) -> Any:
    """JSON forms for values DRF accepts as text: dates/times (ISO 8601), UUIDs, decimals."""
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (uuid.UUID, decimal.Decimal)):
        return str(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_dumps = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=_encode_extra
).encode


def dumps(value: Any) -> str:
    """``value`` as the JSON the client sends (dates, UUIDs and decimals as text)."""
    return _dumps(value)


def encode_json(request: Request) -> None:
    """Put ``request.json`` into ``request.body`` as UTF-8 JSON (with its ``Content-Type``)."""
    if request.body is None and request.json is not None:
        try:
            request.body = _dumps(request.json).encode("utf-8")
        except (TypeError, ValueError, RecursionError) as exc:
            where = f"{request.method} {shown_url(request.url, request)}"
            raise TypeError(
                f"{where}: the data cannot be sent as JSON "
                f"({exc}); give dicts, lists, strings, numbers, booleans, None, dates or UUIDs"
            ) from None
        request.headers.setdefault("Content-Type", "application/json")
    elif request.body is not None:
        request.headers.setdefault("Content-Type", "application/json")


class JSONMiddleware(Layer):
    """Encodes ``request.json`` into ``request.body``; raises ``HTTPError`` for a final 4xx/5xx."""

    name = "json"

    def handle(self, request: Request) -> Response:
        encode_json(request)
        return checked(request, self.call_next(request))

    async def handle_async(self, request: Request) -> Response:
        encode_json(request)
        return checked(request, await self.acall_next(request))


def checked(request: Request, response: Response) -> Response:
    """``response``, unless it is a 4xx/5xx the call raises for: then its typed error."""
    if response.status_code >= 400 and request.call.raise_for_status:
        raise error_for_response(response)
    return response
