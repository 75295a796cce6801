"""Reading a response off the socket: interim 1xx answers skipped, every read within the deadline.

Two things ``http.client`` does not do and a client with promises to keep must:

- **Interim responses.** A server may send ``103 Early Hints`` (or any 1xx but 101) before the
  real answer (RFC 9110 15.2). ``http.client`` skips only ``100 Continue`` and would return the
  103 as if it were the answer, with an empty body, even though the request succeeded. Here
  every interim response is read and dropped.
- **Deadlines.** A socket timeout bounds each read, not the whole response: a server sending
  one byte every 0.3 s never trips a 1 s read timeout and can hold a call for minutes. While a
  call has a deadline (:func:`reading_until`), every read is given at most the time left
  before it, so the response (status line, headers and body) is complete by the deadline or
  the read fails with :class:`DeadlinePassed`, which urllib3 reports as a read timeout.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import socket
import time
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

#: The monotonic time by which the response being read must be complete (``None``: no limit).
_DEADLINE: ContextVar[float | None] = ContextVar("keystone_read_deadline", default=None)


class DeadlinePassed(socket.timeout):
    """The call's deadline passed while the response was still arriving."""


@contextlib.contextmanager
def reading_until(deadline: float | None) -> Iterator[None]:
    """Bound every response read made in this block (this thread) by ``deadline``."""
    token = _DEADLINE.set(deadline)
    try:
        yield
    finally:
        _DEADLINE.reset(token)


class _DeadlineReader(io.RawIOBase):
    """A socket reader that shortens the socket's timeout to the time left before a deadline."""

    def __init__(self, raw: Any, sock: socket.socket, deadline: float) -> None:
        super().__init__()
        self._raw = raw
        self._sock = sock
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise DeadlinePassed("the call's deadline passed before the response was complete")
        current = self._sock.gettimeout()
        if current is None or current > left:
            self._sock.settimeout(left)
        try:
            count: int = self._raw.readinto(buffer)
        except TimeoutError:
            if time.monotonic() >= self._deadline:
                raise DeadlinePassed(
                    "the call's deadline passed before the response was complete"
                ) from None
            raise
        return count

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


class WireResponse(http.client.HTTPResponse):
    """``http.client``'s response with interim 1xx skipped and reads bounded by the deadline."""

    def __init__(self, sock: socket.socket, *args: Any, **kwargs: Any) -> None:
        super().__init__(sock, *args, **kwargs)
        deadline = _DEADLINE.get()
        if deadline is not None:
            raw = self.fp.detach()  # the socket stream, taken out of its buffer (nothing read yet)
            self.fp = io.BufferedReader(_DeadlineReader(raw, sock, deadline))

    def _read_status(self) -> tuple[str, int, str]:
        while True:
            version, status, reason = super()._read_status()  # type: ignore[misc]
            # 100 is skipped by begin() itself; 101 switches protocols and is the answer.
            if not 100 < status < 200 or status == 101:
                return str(version), int(status), str(reason)
            http.client.parse_headers(self.fp)  # the interim response's headers: dropped
