"""Serving the requests of one connection: framing, control channel, faults, counting.

The handler reads each request and its whole body, then either answers a control request
(:mod:`keystone.testing.control`), applies the first matching fault rule, or runs the WSGI
application; it counts the request before writing a response (or dropping the connection), so
a client that holds its answer reads counters that include it.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import socket
import ssl
import time
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Protocol, cast
from urllib.parse import urlsplit

from keystone.testing.bodies import BadRequestBody, ClientGone, read_body
from keystone.testing.control import is_control_path
from keystone.testing.faults import FaultRule
from keystone.testing.stats import DROPPED
from keystone.testing.wsgi import AppResponse, RequestInfo, build_environ, call_app

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

    from keystone.testing.control import ControlRouter
    from keystone.testing.faults import FaultTable
    from keystone.testing.stats import StatsRecorder


class Host(Protocol):
    """What a connection's handler needs of its server (an ``EmulatorHTTPServer``)."""

    keepalive_timeout: float
    faults: FaultTable
    stats: StatsRecorder
    control: ControlRouter
    app: WSGIApplication | None
    server_address: tuple[Any, ...]
    closing: bool
    access_log: bool

    @property
    def url_scheme(self) -> str: ...

    def track(self, handler: EmulatorRequestHandler) -> None: ...

    def untrack(self, handler: EmulatorRequestHandler) -> None: ...

    def mark_for_reset(self, sock: socket.socket, reset: bool) -> None: ...


_NO_BODY_STATUSES = frozenset({204, 304})


class EmulatorRequestHandler(http.server.BaseHTTPRequestHandler):
    """Serves the requests of one connection."""

    protocol_version = "HTTP/1.1"
    server_version = "keystone-emulator"
    sys_version = ""

    @property
    def host(self) -> Host:
        """The server this connection belongs to."""
        return cast(Host, self.server)

    def setup(self) -> None:
        self.request.settimeout(self.host.keepalive_timeout)
        with contextlib.suppress(OSError):
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.busy = False
        self._stats_period = 0
        self.host.track(self)
        self._handshake_failed = False
        if isinstance(self.request, ssl.SSLSocket):
            try:
                self.request.do_handshake()
            except (OSError, ssl.SSLError):
                self._handshake_failed = True  # not TLS, or a client that gave up
        super().setup()

    def finish(self) -> None:
        try:
            with contextlib.suppress(OSError):
                super().finish()
        finally:
            self.host.untrack(self)

    def handle(self) -> None:
        if not self._handshake_failed:
            super().handle()

    def handle_one_request(self) -> None:
        try:
            self.raw_requestline = self.rfile.readline(65537)
            if not self.raw_requestline:
                self.close_connection = True
                return
            self.busy = True
            if len(self.raw_requestline) > 65536:
                self.requestline = self.request_version = self.command = ""
                self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG)
            elif self.parse_request():
                self._serve_request()
            self.wfile.flush()
        except (OSError, ClientGone):
            self.close_connection = True  # idle timeout, reset by the client, or server closing
        finally:
            self.busy = False

    def _serve_request(self) -> None:
        method, target = self.command, self.path
        if target.startswith(("http://", "https://")):
            parts = urlsplit(target)
            target = parts.path + (f"?{parts.query}" if parts.query else "")
        path = target.partition("?")[0]
        try:
            body = read_body(self.rfile, self.headers)
        except BadRequestBody as exc:
            self.close_connection = True
            if not is_control_path(path):
                self._count(method, path, exc.status, processed=False)
            self._write_json(exc.status, {"detail": str(exc)})
            return
        if is_control_path(path):
            status, payload = self.host.control.handle(method, path, body)
            self._write_json(status, payload)
            return
        rule = self.host.faults.take(method, path)
        if rule is not None:
            self._apply_fault(rule, method, target, path, body)
            return
        response = self._call_app(method, target, body)
        self._count(method, path, response.status, processed=True)
        self._write(response.status, response.reason, response.headers, response.body)

    def _apply_fault(
        self, rule: FaultRule, method: str, target: str, path: str, body: bytes
    ) -> None:
        if rule.kind == "status":
            status = rule.status or 500
            self._count(method, path, status, processed=False, fault=rule.kind)
            headers = list(rule.headers.items())
            if rule.retry_after is not None:
                headers.append(("Retry-After", rule.retry_after))
            self._write_json(status, rule.response_body(), headers)
        elif rule.kind == "drop_before_processing":
            self._count(method, path, DROPPED, processed=False, fault=rule.kind)
            self._drop(rule.reset)
        else:
            if rule.kind == "delay":
                time.sleep(rule.seconds)
            response = self._call_app(method, target, body)
            if rule.kind == "drop_after_processing":
                self._count(method, path, DROPPED, processed=True, fault=rule.kind)
                self._drop(rule.reset)
                return
            self._count(method, path, response.status, processed=True, fault=rule.kind)
            self._write(response.status, response.reason, response.headers, response.body)

    def _call_app(self, method: str, target: str, body: bytes) -> AppResponse:
        app = self.host.app
        if app is None:
            return AppResponse(503, "Service Unavailable", [], b"")
        host, port = self.host.server_address[:2]
        info = RequestInfo(
            method=method,
            target=target,
            version=self.request_version,
            headers=list(self.headers.items()),
            body=body,
            client_address=self.client_address[:2],
            server_name=str(host),
            server_port=int(port),
            url_scheme=self.host.url_scheme,
        )
        return call_app(app, build_environ(info))

    def _count(
        self, method: str, path: str, status: int, *, processed: bool, fault: str | None = None
    ) -> None:
        self._stats_period = self.host.stats.record(
            method,
            path,
            status,
            processed=processed,
            fault=fault,
            connection_period=self._stats_period,
        )

    def _drop(self, reset: bool) -> None:
        self.close_connection = True
        self.host.mark_for_reset(self.connection, reset)
        if self.host.access_log:
            self.log_message('"%s" dropped', self.requestline)

    def _write_json(
        self, status: int, payload: Any, headers: list[tuple[str, str]] | None = None
    ) -> None:
        data = b"" if payload is None else json.dumps(payload).encode("utf-8")
        all_headers = [("Content-Type", "application/json"), *(headers or [])]
        self._write(status, "", all_headers, data)

    def _write(self, status: int, reason: str, headers: list[tuple[str, str]], body: bytes) -> None:
        if self.host.closing:
            self.close_connection = True
        if not reason:
            try:
                reason = HTTPStatus(status).phrase
            except ValueError:
                reason = "Unknown"
        lines = [
            f"{self.protocol_version} {status} {reason}",
            f"Server: {self.server_version}",
            f"Date: {self.date_time_string()}",
        ]
        lines += [f"{name}: {value}" for name, value in headers]
        bodyless = status in _NO_BODY_STATUSES or status < 200
        if not bodyless:
            lines.append(f"Content-Length: {len(body)}")
        if self.close_connection:
            lines.append("Connection: close")
        elif self.request_version == "HTTP/1.0":
            lines.append("Connection: keep-alive")
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if not bodyless and self.command != "HEAD":
            data += body
        self.wfile.write(data)
        if self.host.access_log:
            self.log_message('"%s" %s %s', self.requestline, status, len(body))

    def log_message(self, format: str, *args: Any) -> None:
        if self.host.access_log:
            super().log_message(format, *args)
