"""A raw-socket server that answers each request with scripted bytes, optionally dripped.

For protocol-level tests that no well-behaved server library would produce: interim ``1xx``
answers before the real one, a response sent one byte at a time, a body in a declared charset.
Each request read off a connection gets the next :class:`Reply` (the last one repeats).
"""

from __future__ import annotations

import contextlib
import socket
import threading
from dataclasses import dataclass

from raw_http import read_message


@dataclass
class Reply:
    """Bytes to send, and if ``drip`` is set, one byte every ``drip`` seconds after ``prefix``;
    with ``close``, the connection is closed after them (a body that runs until the close)."""

    data: bytes
    drip: float = 0.0
    prefix: int = 0
    close: bool = False


def http_response(
    status: str, body: bytes = b"", headers: dict[str, str] | None = None, *, interim: bytes = b""
) -> bytes:
    """An HTTP/1.1 response (``interim`` goes first, e.g. a ``103 Early Hints`` head)."""
    lines = [f"HTTP/1.1 {status}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    lines.append(f"Content-Length: {len(body)}")
    return interim + ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


class WireServer:
    def __init__(self, *replies: Reply) -> None:
        self.replies = list(replies)
        self.requests: list[bytes] = []
        self.bytes_sent = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _next_reply(self) -> Reply:
        with self._lock:
            return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]

    def _serve(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError), conn:
            while not self._stop.is_set():
                request = read_message(conn)
                if request is None:
                    return
                with self._lock:
                    self.requests.append(request)
                reply = self._next_reply()
                if not reply.drip:
                    conn.sendall(reply.data)
                    self._count(len(reply.data))
                    if reply.close:
                        return
                    continue
                conn.sendall(reply.data[: reply.prefix])
                self._count(reply.prefix)
                for index in range(reply.prefix, len(reply.data)):
                    if self._stop.wait(reply.drip):
                        return
                    conn.sendall(reply.data[index : index + 1])
                    self._count(1)

    def _count(self, sent: int) -> None:
        with self._lock:
            self.bytes_sent += sent

    def close(self) -> None:
        self._stop.set()
        self._listener.close()

    def __enter__(self) -> WireServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
