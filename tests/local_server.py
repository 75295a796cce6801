"""A small scriptable HTTP/1.1 server for tests that need exact control of the wire.

Each route maps ``(METHOD, path)`` to a :class:`Canned` answer (or a callable producing one);
every request received is recorded with its headers and body, so tests can assert what the
client actually sent.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from keystone.testing.tls import make_certificates, server_context


@dataclass
class Canned:
    status: int = 200
    body: bytes | str | Any = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False
    cookies: list[str] = field(default_factory=list)  # each sent as a Set-Cookie header

    def payload(self) -> tuple[bytes, dict[str, str]]:
        headers = dict(self.headers)
        if isinstance(self.body, bytes):
            data = self.body
        elif isinstance(self.body, str):
            data = self.body.encode("utf-8")
            headers.setdefault("Content-Type", "text/html; charset=utf-8")
        else:
            data = json.dumps(self.body).encode("utf-8")
            headers.setdefault("Content-Type", "application/json")
        return data, headers


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    header_lines: list[tuple[str, str]] = field(default_factory=list)

    def all(self, name: str) -> list[str]:
        """Every value sent under ``name`` (any spelling), in order."""
        return [v for k, v in self.header_lines if k.lower() == name.lower()]

    def json(self) -> Any:
        return json.loads(self.body)


Route = Canned | Callable[["Received"], Canned]


class LocalServer:
    """Serves on a free loopback port; with ``tls_directory``, HTTPS under a throwaway CA.

    The CA's certificate is then :attr:`ca_path` (for ``verify=``).
    """

    def __init__(self, tls_directory: Path | None = None) -> None:
        self.routes: dict[tuple[str, str], Route] = {}
        self.received: list[Received] = []
        self.connections = 0
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def setup(self) -> None:
                super().setup()
                with server._lock:
                    server.connections += 1

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                lines = list(self.headers.items())
                received = Received(self.command, self.path, dict(lines), body, lines)
                with server._lock:
                    server.received.append(received)
                route = server.routes.get((self.command, self.path.partition("?")[0]))
                if route is None:
                    route = server.routes.get(("*", self.path.partition("?")[0]))
                canned = route(received) if callable(route) else route
                if canned is None:
                    canned = Canned(404, "<h1>Not Found</h1>")
                if canned.delay:
                    time.sleep(canned.delay)
                if canned.drop:
                    self.close_connection = True
                    return
                data, headers = canned.payload()
                self.send_response(canned.status)
                for name, value in headers.items():
                    self.send_header(name, value)
                for cookie in canned.cookies:
                    self.send_header("Set-Cookie", cookie)
                if canned.status not in (204, 304):
                    self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if self.command != "HEAD" and canned.status not in (204, 304):
                    self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.ca_path: str | None = None
        if tls_directory is not None:
            files = make_certificates(tls_directory)
            context = server_context(files.cert_path, files.key_path)
            self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
            self.url = f"https://127.0.0.1:{self.port}/"
            self.ca_path = files.ca_path
        # A short poll: stop() waits for the serving loop to see it, once per test.
        self._thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.005}, daemon=True
        )

    def start(self) -> LocalServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def route(self, method: str, path: str, answer: Route) -> None:
        self.routes[(method, path)] = answer

    @property
    def last(self) -> Received:
        return self.received[-1]
