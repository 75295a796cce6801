"""A raw-socket HTTP/1.1 server that closes each keep-alive connection after one answer.

It answers every request ``200 {}`` without ``Connection: close`` (so the client pools the
connection), waits ``linger`` seconds, then closes the connection with a FIN or, with
``reset=True``, a TCP reset: the two ways a server drops an idle keep-alive connection.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time

from raw_http import read_message


class ClosingServer:
    def __init__(self, *, reset: bool, linger: float = 0.1) -> None:
        self.reset = reset
        self.linger = linger
        self.requests: list[bytes] = []
        self.connections = 0
        self.closed = 0  # connections this server has closed
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError):
            request = read_message(conn)
            if request is None:
                conn.close()
                return
            with self._lock:
                self.requests.append(request)
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
            )
            time.sleep(self.linger)
            if self.reset:
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()
            with self._changed:
                self.closed += 1
                self._changed.notify_all()

    def wait_closed(self, count: int, timeout: float = 10.0) -> None:
        """Return once this server has closed ``count`` connections (after their linger)."""
        with self._changed:
            if not self._changed.wait_for(lambda: self.closed >= count, timeout):
                raise AssertionError(f"the server closed {self.closed} of {count} connections")

    def close(self) -> None:
        self._listener.close()
