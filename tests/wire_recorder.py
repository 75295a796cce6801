"""A transport that sends for real and keeps every exchange: what the server really got.

Given to ``KeystoneClient(url, transport=RecordingTransport(url))``, it sees what no middleware
can: the requests the auth layer makes by itself (token renewals), with their answers.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from keystone import BaseTransport, Request, Response
from keystone._transport.http import HTTPTransport
from keystone._urls import BaseURL


class RecordingTransport(BaseTransport):
    def __init__(self, url: str, **options: Any) -> None:
        self.inner = HTTPTransport(BaseURL(url), **options)
        self.exchanges: list[tuple[Request, bytes | None, Response]] = []
        self._lock = threading.Lock()

    def __call__(self, request: Request) -> Response:
        body = request.body  # kept as sent: finished session requests get their secrets wiped
        response = self.inner(request)
        with self._lock:
            self.exchanges.append((request, body, response))
        return response

    def of_kind(self, kind: str) -> list[tuple[Request, bytes | None, Response]]:
        """The exchanges of requests of one kind (``"login"``, ``"refresh"``, ``"api"``...)."""
        with self._lock:
            return [exchange for exchange in self.exchanges if exchange[0].call.kind == kind]

    def reserve(self, connections: int) -> None:
        self.inner.reserve(connections)

    def close(self) -> None:
        self.inner.close()

    def secrets(self) -> set[str]:
        """Every credential that went on the wire or came back: passwords and tokens."""
        found: set[str] = set()
        for request, body, response in list(self.exchanges):
            try:
                sent = json.loads(body) if body else {}
            except ValueError:
                sent = {}
            if isinstance(sent, dict):
                found |= {v for k, v in sent.items() if k in ("password", "refresh", "access")}
            if request.call.kind in ("login", "refresh") and response.ok:
                found |= {v for k, v in response.json().items() if k in ("access", "refresh")}
        return found
