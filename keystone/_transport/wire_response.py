"""Reading a response off the socket: interim 1xx answers skipped, every read within the deadline.

Two things ``http.client`` does not do and a client with promises to keep must:

- **Interim responses.** A server may send ``103 Early Hints`` (or any 1xx but 101) before the
  real answer (RFC 9110 15.2). ``http.client`` skips only ``100 Continue`` and would return the
  103 as if it were the answer, with an empty body, even though the request succeeded. Here
  every interim response is read and dropped.
- **Deadlines.** A socket timeout bounds each read, not the whole response: a server sending
  one byte every 0.3 s never trips a 1 s read timeout and can hold a call for minutes. When a
  call has a deadline, the connection reads its answer through :func:`within` the time left,
  so the response (status line, headers and body) is complete by the deadline or the read
  fails with :class:`DeadlinePassed`, which urllib3 reports as a read timeout.
"""

from __future__ import annotations

import http.client
import io
import socket
import time
from typing import Any


class DeadlinePassed(TimeoutError):
    """The call's deadline passed while the response was still arriving."""


class _DeadlineReader(io.RawIOBase):
    """Reads the socket, each read given at most the time left before a deadline.

    It reads through the socket's own raw file (``makefile``), as ``http.client`` does: that
    file holds the socket open until the response is read, so a response whose connection
    the client closes at once (HTTP/1.0, ``Connection: close``: ``http.client`` closes the
    connection as soon as the headers are in) still has its body to read.
    """

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        super().__init__()
        self._sock = sock
        self._raw = sock.makefile("rb", buffering=0)
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._raw.fileno()

    def close(self) -> None:
        if not self.closed:
            self._raw.close()  # the last holder of a closed connection's socket releases it
        super().close()

    def readinto(self, buffer: Any) -> int | None:
        sock = self._sock
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise DeadlinePassed("the call's deadline passed before the response was complete")
        current = sock.gettimeout()
        if current is None or current > left:
            sock.settimeout(left)
        try:
            return self._raw.readinto(buffer)
        except TimeoutError:
            if time.monotonic() >= self._deadline:
                raise DeadlinePassed(
                    "the call's deadline passed before the response was complete"
                ) from None
            raise


class _DeadlineSocket:
    """What ``http.client`` makes its response's reader from: the socket, read under a deadline
    (and closed as the socket, if ``http.client`` closes the connection meanwhile)."""

    __slots__ = ("_deadline", "_sock")

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self._sock = sock
        self._deadline = deadline

    def makefile(self, mode: str) -> io.BufferedReader:
        return io.BufferedReader(_DeadlineReader(self._sock, self._deadline))

    def close(self) -> None:
        self._sock.close()


def within(sock: socket.socket, deadline: float | None) -> Any:
    """``sock`` as ``http.client`` should read an answer from it: every read bounded by
    ``deadline`` (a ``time.monotonic()`` time), or the socket itself without one."""
    return sock if deadline is None else _DeadlineSocket(sock, deadline)


class WireResponse(http.client.HTTPResponse):
    """``http.client``'s response with interim 1xx skipped and reads bounded by the deadline."""

    def _read_status(self) -> tuple[str, int, str]:
        while True:
            version, status, reason = super()._read_status()  # type: ignore[misc]
            # 100 is skipped by begin() itself; 101 switches protocols and is the answer.
            if not 100 < status < 200 or status == 101:
                return str(version), int(status), str(reason)
            http.client.parse_headers(self.fp)  # the interim response's headers: dropped
