"""A threaded HTTP/1.1 server with keep-alive that runs a WSGI application behind fault rules.

One daemon thread serves each connection, for as many requests as the client sends on it, until
the client asks to close, the connection stays idle longer than ``keepalive_timeout`` (how
tests provoke "stale pooled connection" situations), a fault drops it, or the server closes.
Before the application sees a request the server consults its :class:`FaultTable`, and it counts
every request in its :class:`StatsRecorder`; paths under ``/__emulator__/`` go to the control
channel instead (:mod:`keystone.testing.control`).
"""

from __future__ import annotations

import contextlib
import http.server
import os
import socket
import socketserver
import ssl
import struct
import sys
import threading
import time
from typing import TYPE_CHECKING, Any

from keystone.testing.control import ControlRouter
from keystone.testing.faults import FaultTable
from keystone.testing.handler import EmulatorRequestHandler
from keystone.testing.stats import StatsRecorder

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

DEFAULT_KEEPALIVE_TIMEOUT = 5.0


class EmulatorHTTPServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    """The listening socket, its connection threads, fault table and counters.

    ``app`` may be assigned after construction (the socket is bound first so that the real port
    is known while the application is built); until then requests get 503. With an
    ``ssl_context`` the server speaks HTTPS (the control channel too); each connection's TLS
    handshake runs in its own thread, so a slow or broken client cannot stall the others.
    """

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        app: WSGIApplication | None = None,
        *,
        keepalive_timeout: float = DEFAULT_KEEPALIVE_TIMEOUT,
        faults: FaultTable | None = None,
        stats: StatsRecorder | None = None,
        access_log: bool = False,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.app = app
        self.keepalive_timeout = keepalive_timeout
        self.faults = faults if faults is not None else FaultTable()
        self.stats = stats if stats is not None else StatsRecorder()
        self.access_log = access_log
        self.api: str | None = None
        """The API profile of the application (set with the application)."""
        self.control = ControlRouter(self.faults, self.stats, self._info)
        self.closing = False
        self._lock = threading.Lock()
        self._handlers: set[EmulatorRequestHandler] = set()
        self._reset_sockets: set[int] = set()
        self._serving = threading.Event()
        self._thread: threading.Thread | None = None
        super().__init__(address, EmulatorRequestHandler)
        self.ssl_context = ssl_context
        if ssl_context is not None:
            self.socket = ssl_context.wrap_socket(
                self.socket, server_side=True, do_handshake_on_connect=False
            )

    @property
    def url_scheme(self) -> str:
        return "http" if self.ssl_context is None else "https"

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host's FQDN, which can stall on DNS; skip it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    @property
    def host(self) -> str:
        return str(self.server_address[0])

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        """Base URL with a trailing slash."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.url_scheme}://{host}:{self.port}/"

    def _info(self) -> dict[str, Any]:
        return {"pid": os.getpid(), "url": self.url, "api": self.api}

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        self._serving.set()
        super().serve_forever(poll_interval)

    def start(self) -> EmulatorHTTPServer:
        """Serve from a daemon thread and return at once."""
        self._thread = threading.Thread(
            target=self.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
            name=f"keystone-emulator-{self.port}",
        )
        self._thread.start()
        self._serving.wait()
        return self

    def close(self, grace: float = 2.0) -> None:
        """Stop accepting, let busy connections finish for up to ``grace`` s, close the rest."""
        self.closing = True
        if self._serving.is_set():
            stopping = threading.Thread(target=self.shutdown, name="keystone-emulator-shutdown")
            stopping.start()
            self._wake_serve_loop()
            stopping.join()
        self.server_close()
        deadline = time.monotonic() + grace
        while True:
            with self._lock:
                handlers = list(self._handlers)
            expired = time.monotonic() >= deadline
            for handler in handlers:
                if expired or not handler.busy:
                    _shutdown_socket(handler.connection)
            if not handlers or expired:
                break
            time.sleep(0.01)
        if self._thread is not None:
            self._thread.join(timeout=grace)

    def _wake_serve_loop(self) -> None:
        """End the serving loop's wait for a connection now, not at its next poll: it sees the
        shutdown request before it would accept this connection, which is never served."""
        with contextlib.suppress(OSError):
            socket.create_connection((self.host, self.port), timeout=1.0).close()

    def track(self, handler: EmulatorRequestHandler) -> None:
        with self._lock:
            self._handlers.add(handler)

    def untrack(self, handler: EmulatorRequestHandler) -> None:
        with self._lock:
            self._handlers.discard(handler)

    def mark_for_reset(self, sock: socket.socket, reset: bool) -> None:
        """Have ``sock`` closed with an RST (instead of a FIN) when its handler finishes."""
        if reset:
            with self._lock:
                self._reset_sockets.add(id(sock))

    def shutdown_request(self, request: Any) -> None:
        with self._lock:
            reset = id(request) in self._reset_sockets
            self._reset_sockets.discard(id(request))
        if reset:
            request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            request.close()
            return
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not self.closing:
            print(f"error serving {client_address}:", file=sys.stderr)
            super().handle_error(request, client_address)


def _shutdown_socket(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
