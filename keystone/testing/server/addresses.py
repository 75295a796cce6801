"""Where a request came from, as both profiles' request logs record it."""

from __future__ import annotations

from django.http import HttpRequest


def client_address(request: HttpRequest) -> str | None:
    """The first ``X-Forwarded-For`` hop, else the peer address."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if forwarded:
        return str(forwarded).split(",")[0].strip()[:40]
    address = request.META.get("REMOTE_ADDR")
    return str(address)[:40] if address else None
