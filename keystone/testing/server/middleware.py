"""The request log: every exchange the application serves becomes a ``logs/requests/`` record.

Like Keystone's request-logging middleware it stores the method, full path, status, both
bodies, the client address and the authenticated user. Unlike it, the values of credential
fields (``password``, ``access``, ``refresh``) in JSON and form bodies are masked, so the log a
test reads back never holds a usable secret.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode

from django.http import HttpRequest, HttpResponse

from keystone.testing.server.addresses import client_address
from keystone.testing.server.models import RequestLog

SECRET_FIELDS = frozenset({"password", "access", "refresh"})
MASK = "********"


def mask_secrets(body: str) -> str:
    """Return ``body`` with the values of :data:`SECRET_FIELDS` masked (JSON or form)."""
    if not body or not any(name in body for name in SECRET_FIELDS):
        return body
    try:
        document = json.loads(body)
    except ValueError:
        pairs = parse_qsl(body, keep_blank_values=True)
        if not pairs:
            return body
        return urlencode([(k, MASK if k in SECRET_FIELDS else v) for k, v in pairs])
    if isinstance(document, dict):
        masked = {k: MASK if k in SECRET_FIELDS else v for k, v in document.items()}
        return json.dumps(masked)
    return body


class RequestLogMiddleware:
    """Outermost middleware: records each request after its response is built."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # Read the body first: once DRF has consumed the stream it can no longer be read.
        body_request = request.body.decode("utf-8", errors="replace")
        response = self.get_response(request)
        user: Any = getattr(request, "user", None)
        content = b"" if response.streaming else response.content
        RequestLog.objects.create(
            method=str(request.method)[:10],
            endpoint=request.get_full_path()[:2048],
            response_code=response.status_code,
            body_request=mask_secrets(body_request),
            body_response=mask_secrets(content.decode("utf-8", errors="replace")),
            remote_address=client_address(request),
            user_id=user.pk if user is not None and user.is_authenticated else None,
        )
        return response
