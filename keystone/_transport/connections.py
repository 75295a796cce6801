"""urllib3 connections that know whether any byte of a request reached the socket.

A server closes keep-alive connections that stay idle too long. urllib3 checks a pooled
connection before reusing it (``is_connection_dropped``: has the server closed it?) and quietly
opens a new one if so, so most stale connections never become errors. What remains is a race:
the server's close arrives just after that check, and the request meets a dead socket.

- If the socket refused the request's very first byte (the server's reset had arrived:
  ``EPIPE``/``ECONNRESET`` on the first send), the server cannot have seen the request. The
  send raises :class:`NothingSentError`, and the transport sends the request again on another
  connection, whatever its method, without it counting as an attempt.
- If the kernel accepted any byte, the client cannot know whether the server read the request
  before closing: that is a dropped connection like any other, for the backoff rules to judge.

urllib3 itself ignores ``EPIPE``/``ECONNRESET`` while sending and then reads whatever answer
arrived; :class:`NothingSentError` is deliberately not one of those, so it reaches the
transport. Only the first send of each request is tracked: one extra attribute check per send.
"""

from __future__ import annotations

import http.client
import sys
from typing import Any

from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ProtocolError

from keystone._transport.wire_response import WireResponse, within

# A peer's reset or close seen while writing: the bytes of this send were refused.
_REFUSED_WRITE = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)


class NothingSentError(OSError):
    """The connection was dead before any byte of the request could be written to it.

    ``reused`` says whether the connection had carried an earlier request (a stale pooled
    keep-alive connection) rather than being freshly opened for this one.
    """

    def __init__(self, cause: OSError, *, reused: bool) -> None:
        kind = "reused keep-alive" if reused else "new"
        super().__init__(f"the {kind} connection refused the first byte of the request ({cause})")
        self.reused = reused


class TrackingHTTPConnection(HTTPConnection):
    """An ``HTTPConnection`` whose first send per request raises :class:`NothingSentError`.

    Its responses are :class:`~keystone._transport.wire_response.WireResponse`: interim 1xx answers
    skipped, reads bounded by the call's deadline.
    """

    response_class = WireResponse
    _first_send_pending = False
    _requests_on_socket = 0

    def connect(self) -> None:
        super().connect()
        self._requests_on_socket = 0

    def putrequest(self, *args: Any, **kwargs: Any) -> None:
        self._first_send_pending = True
        super().putrequest(*args, **kwargs)

    def send(self, data: Any) -> None:
        if not self._first_send_pending or not isinstance(data, bytes):
            super().send(data)
            return
        self._first_send_pending = False
        if self.sock is None:
            self.connect()  # what http.client's auto_open would do
        sock = self.sock
        assert sock is not None
        reused = self._requests_on_socket > 0
        sys.audit("http.client.send", self, data)
        try:
            sent = sock.send(data)
        except _REFUSED_WRITE as exc:
            raise NothingSentError(exc, reused=reused) from exc
        self._requests_on_socket += 1
        if sent < len(data):
            sock.sendall(memoryview(data)[sent:])

    def answer(self, deadline: float | None = None) -> WireResponse:
        """The answer's status line and headers, its body left for the caller to read, every
        read of it by ``deadline`` (a ``time.monotonic()`` time, or ``None``).

        urllib3's ``getresponse`` without the ``urllib3.HTTPResponse`` it wraps around
        ``http.client``'s: the same socket timeout (the read timeout set on ``self.timeout``),
        and urllib3's record of the request in progress cleared, as it clears it.
        """
        self._response_options = None  # urllib3 2.x: set by request(), reset by getresponse()
        sock = self.sock
        if sock is None:
            raise http.client.ResponseNotReady("the connection closed before the answer")
        sock.settimeout(self.timeout)
        self.sock = within(sock, deadline)  # what http.client makes the answer's reader from
        try:
            response = http.client.HTTPConnection.getresponse(self)
        finally:
            if self.sock is not None:  # kept open (not closed for Connection: close)
                self.sock = sock
        assert isinstance(response, WireResponse)
        return response


class TrackingHTTPSConnection(TrackingHTTPConnection, HTTPSConnection):
    """The TLS variant (the check applies to the encrypted socket's first write)."""


class TrackingHTTPConnectionPool(HTTPConnectionPool):
    ConnectionCls = TrackingHTTPConnection


class TrackingHTTPSConnectionPool(HTTPSConnectionPool):
    ConnectionCls = TrackingHTTPSConnection


#: For ``PoolManager.pool_classes_by_scheme``.
POOL_CLASSES: dict[str, type[HTTPConnectionPool]] = {
    "http": TrackingHTTPConnectionPool,
    "https": TrackingHTTPSConnectionPool,
}


def nothing_sent(exc: BaseException) -> NothingSentError | None:
    """The :class:`NothingSentError` behind a urllib3 error, if that is what it was."""
    if isinstance(exc, ProtocolError) and len(exc.args) > 1:
        inner = exc.args[1]
        if isinstance(inner, NothingSentError):
            return inner
    return None
