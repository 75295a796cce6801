"""A small threaded forward proxy for tests: what a corporate HTTP proxy does, on a real socket.

It forwards requests in absolute form (``GET http://host:port/path HTTP/1.1``) to their server,
without the hop-by-hop ``Proxy-*`` headers, and opens ``CONNECT host:port`` tunnels, relaying
bytes both ways. With ``credentials=("user", "password")`` it requires Basic proxy
authentication and answers 407 to anything without it. Everything it saw is recorded
(:class:`Seen`): the method, the target, the ``CONNECT`` host, and the ``Proxy-Authorization``
that reached it.
"""

from __future__ import annotations

import base64
import select
import socket
import socketserver
import ssl
import threading
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import quote, urlsplit

_HOP_BY_HOP = ("proxy-authorization", "proxy-connection", "proxy-authenticate")


@dataclass(frozen=True)
class Seen:
    """One request the proxy received: ``target`` is the absolute URL or ``host:port``."""

    method: str
    target: str
    proxy_authorization: str | None
    answered: int

    @property
    def connect_host(self) -> str | None:
        return self.target if self.method == "CONNECT" else None


class ForwardProxy:
    """Start with ``with ForwardProxy() as proxy:``; :attr:`url` is where it listens."""

    def __init__(
        self, credentials: tuple[str, str] | None = None, tls: ssl.SSLContext | None = None
    ) -> None:
        self.credentials = credentials
        self.tls = tls  # an https:// proxy: the client speaks TLS to the proxy itself
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                if proxy.tls is None:
                    proxy._serve(self.request)
                    return
                try:
                    secure = proxy.tls.wrap_socket(self.request, server_side=True)
                except (ssl.SSLError, OSError):
                    return  # a client that did not trust the proxy's certificate
                proxy._serve(secure)

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self._server = Server(("127.0.0.1", 0), Handler)
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The proxy's URL, without credentials."""
        return f"{self.scheme}://127.0.0.1:{self.port}"

    @property
    def scheme(self) -> str:
        return "http" if self.tls is None else "https"

    def url_with(self, user: str, password: str) -> str:
        """The proxy's URL with ``user:password@`` (percent-encoded)."""
        userinfo = f"{quote(user, safe='')}:{quote(password, safe='')}"
        return f"{self.scheme}://{userinfo}@127.0.0.1:{self.port}"

    @property
    def expected_authorization(self) -> str | None:
        if self.credentials is None:
            return None
        pair = ":".join(self.credentials).encode()
        return f"Basic {base64.b64encode(pair).decode()}"

    def methods(self) -> list[str]:
        with self._lock:
            return [seen.method for seen in self.seen]

    def connect_hosts(self) -> list[str]:
        with self._lock:
            return [seen.target for seen in self.seen if seen.method == "CONNECT"]

    def targets(self) -> list[str]:
        with self._lock:
            return [seen.target for seen in self.seen]

    def authorizations(self) -> list[str | None]:
        with self._lock:
            return [seen.proxy_authorization for seen in self.seen]

    def clear(self) -> None:
        with self._lock:
            self.seen.clear()

    def start(self) -> ForwardProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> ForwardProxy:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- serving ---------------------------------------------------------------------------

    def _serve(self, client: socket.socket) -> None:
        reader = client.makefile("rb")
        try:
            while True:
                head = _read_head(reader)
                if head is None:
                    return
                method, target, headers = head
                given = next((v for k, v in headers if k.lower() == "proxy-authorization"), None)
                allowed = self.credentials is None or given == self.expected_authorization
                status = 200 if allowed else 407
                if not allowed:
                    self._record(method, target, given, status)
                    _drain_body(reader, headers)
                    client.sendall(
                        b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                        b'Proxy-Authenticate: Basic realm="tests"\r\n'
                        b"Content-Length: 0\r\nConnection: close\r\n\r\n"
                    )
                    return
                if method == "CONNECT":
                    self._record(method, target, given, status)
                    self._tunnel(client, reader, target)
                    return
                if not self._forward(client, reader, method, target, headers, given):
                    return
        except OSError:
            return
        finally:
            reader.close()
            client.close()

    def _record(self, method: str, target: str, given: str | None, status: int) -> None:
        with self._lock:
            self.seen.append(Seen(method, target, given, status))

    def _tunnel(self, client: socket.socket, reader: object, target: str) -> None:
        host, _, port = target.rpartition(":")
        try:
            upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=10)
        except OSError:
            client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
            return
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        _relay(client, upstream)

    def _forward(
        self,
        client: socket.socket,
        reader: object,
        method: str,
        target: str,
        headers: list[tuple[str, str]],
        given: str | None,
    ) -> bool:
        """Forward one absolute-form request; whether the client's connection stays open."""
        parts = urlsplit(target)
        if parts.scheme != "http" or not parts.hostname:
            self._record(method, target, given, 400)
            client.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            return False
        self._record(method, target, given, 200)
        body = _drain_body(reader, headers)
        path = parts.path or "/"
        if parts.query:
            path += f"?{parts.query}"
        kept = [(k, v) for k, v in headers if k.lower() not in (*_HOP_BY_HOP, "connection")]
        lines = [f"{method} {path} HTTP/1.1", *(f"{k}: {v}" for k, v in kept)]
        lines.append("Connection: close")
        request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        with socket.create_connection((parts.hostname, parts.port or 80), timeout=10) as upstream:
            upstream.sendall(request)
            answer = b""
            while chunk := upstream.recv(65536):
                answer += chunk
        head, _, rest = answer.partition(b"\r\n\r\n")
        head_lines = [
            line
            for line in head.split(b"\r\n")
            if not line.lower().startswith((b"connection:", b"keep-alive:"))
        ]
        client.sendall(b"\r\n".join([*head_lines, b"Connection: close"]) + b"\r\n\r\n" + rest)
        return False


def _read_head(reader: object) -> tuple[str, str, list[tuple[str, str]]] | None:
    readline = reader.readline  # type: ignore[attr-defined]
    line = readline(65537)
    if not line:
        return None
    method, target, _version = line.decode("latin-1").rstrip("\r\n").split(" ", 2)
    headers: list[tuple[str, str]] = []
    while True:
        raw = readline(65537)
        if raw in (b"\r\n", b"\n", b""):
            break
        name, _, value = raw.decode("latin-1").partition(":")
        headers.append((name.strip(), value.strip()))
    return method, target, headers


def _drain_body(reader: object, headers: list[tuple[str, str]]) -> bytes:
    length = next((int(v) for k, v in headers if k.lower() == "content-length"), 0)
    return reader.read(length) if length else b""  # type: ignore[attr-defined,no-any-return]


def _relay(client: socket.socket, upstream: socket.socket) -> None:
    with upstream:
        sockets = [client, upstream]
        while True:
            readable, _, _ = select.select(sockets, [], [], 10)
            if not readable:
                return
            for sock in readable:
                try:
                    data = sock.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                (upstream if sock is client else client).sendall(data)
