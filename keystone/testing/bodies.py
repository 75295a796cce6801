"""Reading HTTP/1.1 request bodies framed by ``Content-Length`` or chunked transfer coding."""

from __future__ import annotations

from email.message import Message
from typing import Protocol

MAX_BODY = 64 * 1024 * 1024
MAX_LINE = 64 * 1024


class Readable(Protocol):
    """A buffered binary stream (the connection's ``rfile``)."""

    def read(self, size: int, /) -> bytes: ...

    def readline(self, size: int, /) -> bytes: ...


class BadRequestBody(Exception):
    """The body cannot be read; the connection must be closed after answering ``status``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class ClientGone(Exception):
    """The client closed the connection in the middle of a request."""


def read_body(rfile: Readable, headers: Message) -> bytes:
    """Read the whole request body announced by ``headers`` (empty when none is announced).

    Chunked transfer coding wins over ``Content-Length`` when both are sent (RFC 9112 §6.3);
    trailer fields are read and discarded.
    """
    coding = headers.get("Transfer-Encoding")
    if coding is not None:
        if coding.strip().lower() != "chunked":
            raise BadRequestBody(501, f"Transfer-Encoding {coding!r} is not supported")
        return _read_chunked(rfile)
    lengths = {value.strip() for value in headers.get_all("Content-Length") or ()}
    if not lengths:
        return b""
    if len(lengths) > 1:
        raise BadRequestBody(400, "conflicting Content-Length headers")
    text = lengths.pop()
    if not text.isdigit():
        raise BadRequestBody(400, f"invalid Content-Length {text!r}")
    return _read_exact(rfile, _checked_size(int(text)))


def _checked_size(size: int) -> int:
    if size > MAX_BODY:
        raise BadRequestBody(413, f"request body larger than {MAX_BODY} bytes")
    return size


def _read_exact(rfile: Readable, size: int) -> bytes:
    data = rfile.read(size) if size else b""
    if len(data) < size:
        raise ClientGone("connection closed before the whole body arrived")
    return data


def _read_line(rfile: Readable) -> bytes:
    line = rfile.readline(MAX_LINE + 1)
    if not line:
        raise ClientGone("connection closed in the middle of a chunked body")
    if len(line) > MAX_LINE:
        raise BadRequestBody(400, "chunk header line too long")
    return line


def _read_chunked(rfile: Readable) -> bytes:
    parts: list[bytes] = []
    total = 0
    while True:
        size_text = _read_line(rfile).split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            raise BadRequestBody(400, f"invalid chunk size {size_text!r}") from None
        if size < 0:
            raise BadRequestBody(400, f"invalid chunk size {size_text!r}")
        if size == 0:
            break
        total = _checked_size(total + size)
        parts.append(_read_exact(rfile, size))
        if _read_line(rfile).strip():
            raise BadRequestBody(400, "chunk data longer than its announced size")
    while _read_line(rfile).strip():
        pass  # trailer fields
    return b"".join(parts)
