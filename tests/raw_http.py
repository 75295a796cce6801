"""Reading one HTTP/1.1 message (request or response) off a raw socket, for wire-level tests."""

from __future__ import annotations

import socket


def read_message(sock: socket.socket) -> bytes | None:
    """Head and ``Content-Length`` body of the next message; ``None`` if the peer closed first.

    A peer that closes in the middle of the head yields what arrived; one that closes in the
    middle of the body yields the message so far. 204 and 304 responses have no body.
    """
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data or None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if head.startswith((b"HTTP/1.1 204", b"HTTP/1.1 304")):
        length = 0
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body
