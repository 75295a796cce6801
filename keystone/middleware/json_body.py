"""Sends request data as JSON and turns 4xx/5xx responses into typed errors.

Keystone is a JSON API: form-encoded bodies lose types (``enabled=false`` stored for a new
cluster whose default is ``true``), so data is always serialised to JSON here, once, into
bytes that inner layers can resend unchanged.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import json
import uuid
from typing import Any

from keystone.errors import error_for_response, shown_url
from keystone.pipeline import Handler
from keystone.request import Request
from keystone.response import Response


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


class JSONMiddleware:
    """Encodes ``request.json`` into ``request.body``; raises ``HTTPError`` for 4xx/5xx."""

    name = "json"

    def __call__(self, request: Request, call_next: Handler) -> Response:
        if request.body is None and request.json is not None:
            try:
                request.body = _dumps(request.json).encode("utf-8")
            except (TypeError, ValueError) as exc:
                raise TypeError(
                    f"{request.method} {shown_url(request.url)}: the data cannot be sent as JSON "
                    f"({exc}); give dicts, lists, strings, numbers, booleans, None, dates or UUIDs"
                ) from None
            request.headers.setdefault("Content-Type", "application/json")
        elif request.body is not None:
            request.headers.setdefault("Content-Type", "application/json")
        response = call_next(request)
        if response.status_code >= 400:
            raise error_for_response(response)
        return response
