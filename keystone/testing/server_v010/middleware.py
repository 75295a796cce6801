"""The request log: every exchange becomes a ``logs/requests/`` record with its correlation id.

As on the real server the record holds the method, full path, status, client address, user and
correlation id, and no bodies. The id is the client's ``X-KEYSTONE-CID`` header when it is a
UUID; otherwise the server makes one up and puts it in the request, so the audit entries the
request causes carry the same id.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from keystone.testing.server.addresses import client_address
from keystone.testing.server_v010.logs.models import RequestLog

CID_META_KEY = "HTTP_X_KEYSTONE_CID"


def correlation_id(request: HttpRequest) -> str:
    """The request's correlation id, made up (and stored in the request) unless it is a UUID."""
    cid = request.META.get(CID_META_KEY)
    try:
        uuid.UUID(str(cid))
    except ValueError:
        cid = str(uuid.uuid4())
        request.META[CID_META_KEY] = cid
    return str(cid)


class RequestLogMiddleware:
    """Records each request after its response is built; a failure to record is ignored."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        cid = correlation_id(request)
        response = self.get_response(request)
        user: Any = getattr(request, "user", None)
        with contextlib.suppress(Exception):  # a failure to record never breaks a request
            RequestLog.objects.create(
                method=str(request.method)[:10],
                endpoint=request.get_full_path()[:2048],
                response_code=response.status_code,
                remote_address=client_address(request),
                cid=cid,
                user_id=user.pk if user is not None and user.is_authenticated else None,
            )
        return response
