"""The emulator's HTTP/1.1 server over real sockets: keep-alive, framing, shutdown."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
import urllib3
from raw_http import read_message
from runtime_app import echo_app

from keystone.testing.httpd import EmulatorHTTPServer

ServerFactory = Callable[..., EmulatorHTTPServer]


def _raw_exchange(server: EmulatorHTTPServer, request: bytes) -> tuple[socket.socket, bytes]:
    """Send raw bytes and read until the peer pauses; return the socket and what arrived."""
    sock = socket.create_connection((server.host, server.port), timeout=5)
    sock.sendall(request)
    return sock, _read_response(sock)


def _read_response(sock: socket.socket) -> bytes:
    return read_message(sock) or b""


def _peer_closed(sock: socket.socket, within: float = 5.0) -> bool:
    sock.settimeout(within)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def test_sequential_requests_reuse_one_pooled_connection(http_server: EmulatorHTTPServer) -> None:
    pool = urllib3.HTTPConnectionPool(http_server.host, http_server.port, maxsize=1, retries=False)
    for index in range(50):
        response = pool.request("POST", f"/items/?n={index}", body=b"x" * index)
        assert response.status == 200
        assert response.json()["body"] == "x" * index
        assert "Connection" not in response.headers
    snapshot = http_server.stats.snapshot()
    assert snapshot.count(method="POST", path="/items/") == 50
    assert snapshot.connections == 1
    pool.close()


def test_connection_close_is_honoured(http_server: EmulatorHTTPServer) -> None:
    sock, answer = _raw_exchange(
        http_server, b"GET /a/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert b"\r\nConnection: close\r\n" in answer
    assert _peer_closed(sock)
    sock.close()


def test_http10_closes_unless_keep_alive_is_asked(http_server: EmulatorHTTPServer) -> None:
    sock, answer = _raw_exchange(http_server, b"GET /a/ HTTP/1.0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert _peer_closed(sock)
    sock.close()
    sock, answer = _raw_exchange(http_server, b"GET /a/ HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    assert b"\r\nConnection: keep-alive\r\n" in answer
    sock.sendall(b"GET /b/ HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
    assert b'"path": "/b/"' in _read_response(sock)
    sock.close()


def test_content_length_and_chunked_bodies_reach_the_app(http_server: EmulatorHTTPServer) -> None:
    pool = urllib3.HTTPConnectionPool(http_server.host, http_server.port, maxsize=1, retries=False)
    sized = pool.request("PUT", "/b/?q=%2Fx", body=b"hello", headers={"Content-Type": "text/x"})
    assert sized.json()["body"] == "hello"
    assert sized.json()["content_length"] == "5"
    assert sized.json()["content_type"] == "text/x"
    assert sized.json()["query"] == "q=%2Fx"
    chunked = pool.request("POST", "/b/", body=iter([b"ab", b"", b"cde"]), chunked=True)
    assert chunked.json()["body"] == "abcde"
    assert chunked.json()["content_length"] == "5"
    after = pool.request("GET", "/b/")  # the connection is still in sync after a chunked body
    assert after.json()["body"] == ""
    assert http_server.stats.connections == 1
    pool.close()


def test_chunked_body_with_extensions_and_trailers(http_server: EmulatorHTTPServer) -> None:
    request = (
        b"POST /c/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
        b"3;ext=1\r\nabc\r\n0\r\nX-Trailer: 1\r\n\r\n"
    )
    sock, answer = _raw_exchange(http_server, request)
    assert json.loads(answer.partition(b"\r\n\r\n")[2])["body"] == "abc"
    sock.close()


def test_malformed_bodies_get_400_and_close(http_server: EmulatorHTTPServer) -> None:
    for request in (
        b"POST /c/ HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
        b"POST /c/ HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        b"POST /c/ HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ):
        sock, answer = _raw_exchange(http_server, request)
        assert answer.startswith(b"HTTP/1.1 400 "), answer
        assert _peer_closed(sock)
        sock.close()
    gzip = b"POST /c/ HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n"
    sock, answer = _raw_exchange(http_server, gzip)
    assert answer.startswith(b"HTTP/1.1 501 ")
    sock.close()


def test_head_has_length_but_no_body(http_server: EmulatorHTTPServer) -> None:
    pool = urllib3.HTTPConnectionPool(http_server.host, http_server.port, maxsize=1, retries=False)
    length = len(pool.request("GET", "/h/").data)
    head = pool.request("HEAD", "/h/")
    assert head.status == 200
    assert head.data == b""
    assert int(head.headers["Content-Length"]) == length - len("GET") + len("HEAD")
    assert pool.request("GET", "/h/").status == 200  # still in sync: no stray body bytes
    assert http_server.stats.connections == 1
    pool.close()


def test_204_has_no_body_and_keeps_the_connection(http_server: EmulatorHTTPServer) -> None:
    sock, answer = _raw_exchange(http_server, b"DELETE /status/204/ HTTP/1.1\r\nHost: x\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 204 ")
    assert b"Content-Length" not in answer
    assert answer.endswith(b"\r\n\r\n")
    sock.sendall(b"GET /next/ HTTP/1.1\r\nHost: x\r\n\r\n")
    assert b'"path": "/next/"' in _read_response(sock)
    sock.close()


def test_expect_100_continue(http_server: EmulatorHTTPServer) -> None:
    sock = socket.create_connection((http_server.host, http_server.port), timeout=5)
    sock.sendall(
        b"POST /e/ HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n"
    )
    assert sock.recv(1024).startswith(b"HTTP/1.1 100 Continue\r\n")
    sock.sendall(b"ok")
    assert b'"body": "ok"' in _read_response(sock)
    sock.close()


def test_idle_connections_close_after_the_keepalive_timeout(
    http_server_factory: ServerFactory,
) -> None:
    server = http_server_factory(keepalive_timeout=0.3)
    sock, answer = _raw_exchange(server, b"GET /a/ HTTP/1.1\r\nHost: x\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert _peer_closed(sock, within=5.0)
    sock.close()
    # A pool notices the closed connection and opens a new one without an error.
    pool = urllib3.HTTPConnectionPool(server.host, server.port, maxsize=1, retries=False)
    assert pool.request("GET", "/a/").status == 200
    time.sleep(0.6)
    assert pool.request("GET", "/a/").status == 200
    assert server.stats.connections == 3
    pool.close()


def test_application_errors_become_500(http_server_factory: ServerFactory) -> None:
    def broken(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        raise ValueError("broken on purpose")

    server = http_server_factory(broken)
    pool = urllib3.HTTPConnectionPool(server.host, server.port, maxsize=1, retries=False)
    assert pool.request("GET", "/x/").status == 500
    assert pool.request("GET", "/x/").status == 500
    assert server.stats.statuses() == {500: 2}
    pool.close()


def test_control_requests_are_not_counted(http_server: EmulatorHTTPServer) -> None:
    pool = urllib3.HTTPConnectionPool(http_server.host, http_server.port, retries=False)
    pool.request("GET", "/counted/")
    assert pool.request("GET", "/__emulator__/").json()["url"] == http_server.url
    stats = pool.request("GET", "/__emulator__/stats/").json()
    assert [entry["path"] for entry in stats["requests"]] == ["/counted/"]
    assert pool.request("GET", "/__emulator__/nope/").status == 404
    assert pool.request("PUT", "/__emulator__/stats/").status == 405
    assert pool.request("POST", "/__emulator__/faults/", body=b"[").status == 400
    assert http_server.stats.snapshot().total == 1
    pool.close()


def test_close_ends_idle_connections_and_lets_busy_ones_finish(
    http_server_factory: ServerFactory,
) -> None:
    server = http_server_factory(echo_app, keepalive_timeout=60)
    idle, _ = _raw_exchange(server, b"GET /a/ HTTP/1.1\r\nHost: x\r\n\r\n")
    busy = socket.create_connection((server.host, server.port), timeout=5)
    busy.sendall(b"GET /sleep/?s=0.3 HTTP/1.1\r\nHost: x\r\n\r\n")
    time.sleep(0.1)
    threads_before = threading.active_count()
    server.close(grace=5)
    answer = _read_response(busy)
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert b"\r\nConnection: close\r\n" in answer
    assert _peer_closed(idle, within=1)
    assert _peer_closed(busy, within=1)
    idle.close()
    busy.close()
    with pytest.raises(OSError):
        socket.create_connection((server.host, server.port), timeout=1)
    deadline = time.monotonic() + 5
    while threading.active_count() >= threads_before and time.monotonic() < deadline:
        time.sleep(0.01)
    assert threading.active_count() < threads_before
