"""A canned-response HTTP/1.1 server on asyncio protocols, fast enough not to be the bottleneck.

It answers Keystone-shaped JSON whatever the method: ``/allocations/clusters/<id>/`` gives one
record, ``/allocations/clusters/`` a list of ``--list-size`` records, ``/version/`` the text
``0.0.0``, ``/authentication/login/`` a session login (Keystone 0.4+'s ``sessionid`` and
``csrftoken`` cookies), and ``/allocations/requests/`` the same ``--list-size`` records the way
Keystone 0.4 and later page them (``_limit``/``_offset``, at most 1000 a page, with ``count``
and a ``next`` link); ``--latency`` delays every response without blocking other
connections. Run it in its own process so its CPU time is not counted against the client
being measured::

    python benchmarks/canned_server.py --port 0 [--latency 0.005]   # prints "PORT <n>"
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import urllib.parse
from typing import Any

_DETAIL = re.compile(rb"^/[a-z]+/[a-z]+/\d+/")


def record(pk: int) -> dict[str, object]:
    return {"id": pk, "name": f"cluster-{pk}", "description": "Keystone-shaped", "enabled": True}


def _response(body: bytes, content_type: bytes = b"application/json", extra: bytes = b"") -> bytes:
    return (
        b"HTTP/1.1 200 OK\r\nContent-Type: "
        + content_type
        + b"\r\nContent-Length: "
        + str(len(body)).encode()
        + b"\r\nAllow: GET, POST, HEAD, OPTIONS\r\n"
        + extra
        + b"\r\n"
        + body
    )


_SESSION_COOKIES = (
    b"Set-Cookie: csrftoken=benchcsrf0123456789abcdef0123456; Max-Age=31449600; Path=/; "
    b"SameSite=Lax\r\n"
    b"Set-Cookie: sessionid=benchsession0123456789abcdef; HttpOnly; Max-Age=1209600; Path=/; "
    b"SameSite=Lax\r\n"
)


class CannedProtocol(asyncio.Protocol):
    def __init__(self, responses: dict[str, Any], latency: float) -> None:
        self.responses = responses
        self.latency = latency
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            head_end = self.buffer.find(b"\r\n\r\n")
            if head_end < 0:
                return
            head = self.buffer[:head_end]
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            total = head_end + 4 + length
            if len(self.buffer) < total:
                return
            self.buffer = self.buffer[total:]
            raw_target = head.split(b" ", 2)[1]
            target = raw_target.split(b"?", 1)[0]
            if target.startswith(b"/allocations/requests/"):
                payload = self.responses["pages"](raw_target)
            elif target.startswith(b"/version/"):
                payload = self.responses["version"]
            elif target.startswith(b"/authentication/login/"):
                payload = self.responses["login"]
            elif _DETAIL.match(target):
                payload = self.responses["detail"]
            else:
                payload = self.responses["list"]
            if self.latency:
                asyncio.get_running_loop().call_later(self.latency, self._write, payload)
            else:
                self._write(payload)

    def _write(self, payload: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(payload)


class Pages:
    """The list in Keystone 0.4+'s pages: each (offset, limit) built once, then reused."""

    def __init__(self, records: int, host: str) -> None:
        self.records = [record(i) for i in range(1, records + 1)]
        self.host = host
        self.cache: dict[tuple[int, int], bytes] = {}

    def __call__(self, target: bytes) -> bytes:
        query = dict(urllib.parse.parse_qsl(target.partition(b"?")[2].decode()))
        limit = min(int(query.get("_limit", 100)), 1000)
        offset = int(query.get("_offset", 0))
        key = (offset, limit)
        if key not in self.cache:
            count = len(self.records)
            link = None
            if offset + limit < count:
                link = f"{self.host}allocations/requests/?_limit={limit}&_offset={offset + limit}"
            body = {
                "count": count,
                "next": link,
                "previous": None,
                "results": self.records[offset : offset + limit],
            }
            self.cache[key] = _response(json.dumps(body).encode())
        return self.cache[key]


def build_responses(list_size: int, host: str = "") -> dict[str, Any]:
    return {
        "pages": Pages(list_size, host),
        "detail": _response(json.dumps(record(1)).encode()),
        "list": _response(json.dumps([record(i) for i in range(1, list_size + 1)]).encode()),
        "version": _response(b"0.0.0", b"text/html; charset=utf-8"),
        "login": _response(json.dumps(record(1)).encode(), extra=_SESSION_COOKIES),
    }


async def serve(host: str, port: int, latency: float, list_size: int) -> None:
    loop = asyncio.get_running_loop()
    responses: dict[str, Any] = {}
    server = await loop.create_server(
        lambda: CannedProtocol(responses, latency), host, port, backlog=1024
    )
    bound = server.sockets[0].getsockname()[1]
    responses.update(build_responses(list_size, f"http://{host}:{bound}/"))
    print("PORT", bound, flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per response")
    parser.add_argument("--list-size", type=int, default=100)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.host, args.port, args.latency, args.list_size))


if __name__ == "__main__":
    main()
