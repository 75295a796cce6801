"""The transport's own path to the origin's connection pool, over a real socket.

Requests to the client's origin take a pooled connection themselves and read the answer with
``http.client`` (not through ``urlopen`` and ``urllib3.HTTPResponse``). What urllib3 gave on
that path must hold all the same: connections reused, never one returned half read, encoded
bodies decoded, folded headers unfolded, targets percent-encoded, redirects not followed, the
same errors.
"""

from __future__ import annotations

import gzip
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

import keystone
from keystone import KeystoneClient, RetryPolicy

ONCE = RetryPolicy.disabled()

Script = Callable[[bytes], bytes | None]  # the request's head -> the answer (None: close)


class ScriptedServer:
    """Answers each request with what ``script`` gives; counts the connections.

    It closes the connection after an answer saying ``Connection: close``, or instead of
    answering when ``script`` gives ``None``.
    """

    def __init__(self, script: Script) -> None:
        self.script = script
        self.heads: list[bytes] = []
        self.connections = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}/"
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stop:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        buffer = b""
        with conn:
            while True:
                while b"\r\n\r\n" not in buffer:
                    try:
                        data = conn.recv(65536)
                    except OSError:
                        return
                    if not data:
                        return
                    buffer += data
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                while len(buffer) < length:
                    buffer += conn.recv(65536)
                buffer = buffer[length:]
                self.heads.append(head)
                reply = self.script(head)
                if reply is None:
                    return
                conn.sendall(reply)
                if b"\r\nConnection: close\r\n" in reply.partition(b"\r\n\r\n")[0] + b"\r\n":
                    return

    def targets(self) -> list[bytes]:
        return [head.split(b" ")[1] for head in self.heads]

    def close(self) -> None:
        self._stop = True
        self._listener.close()


@pytest.fixture
def serve() -> Iterator[Callable[[Script], ScriptedServer]]:
    servers: list[ScriptedServer] = []

    def start(script: Script) -> ScriptedServer:
        servers.append(ScriptedServer(script))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def answer(
    body: bytes = b'{"id": 1}', status: str = "200 OK", headers: tuple[str, ...] = ()
) -> bytes:
    lines = [f"HTTP/1.1 {status}", f"Content-Length: {len(body)}", *headers]
    lines.append("Content-Type: application/json")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def test_one_connection_carries_the_requests_one_after_another(
    serve: Callable[[Script], ScriptedServer],
) -> None:
    server = serve(lambda head: answer())
    client = KeystoneClient(server.url, server="0.10.9", retry=ONCE)
    for _ in range(5):
        assert client.http_get("records").json() == {"id": 1}
    assert len(server.heads) == 5 and server.connections == 1


def test_a_body_cut_short_is_a_dropped_connection_and_the_connection_is_not_reused(
    serve: Callable[[Script], ScriptedServer],
) -> None:
    def script(head: bytes) -> bytes | None:
        if b"/short/" in head:
            return b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{}"  # then the server waits
        return answer()

    server = serve(script)
    client = KeystoneClient(server.url, server="0.10.9", retry=ONCE, timeout=(5, 0.3))
    assert client.http_get("records").ok
    with pytest.raises(keystone.ReadTimeout) as info:
        client.http_get("short")
    assert info.value.request_sent is True
    # The half-read connection was closed, not pooled: the next request opens another.
    assert client.http_get("records").json() == {"id": 1}
    assert server.connections == 2


def test_a_connection_closed_mid_body_is_a_dropped_connection(
    serve: Callable[[Script], ScriptedServer],
) -> None:
    def script(head: bytes) -> bytes:
        if b"/cut/" in head:  # two bytes of a hundred, then the server closes
            return b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{}"
        return answer()

    server = serve(script)
    client = KeystoneClient(server.url, server="0.10.9", retry=ONCE)
    with pytest.raises(keystone.ConnectionDroppedError) as info:
        client.http_get("cut")
    assert info.value.request_sent is True
    assert client.http_get("records").json() == {"id": 1}
    assert server.connections == 2


def test_a_gzip_body_is_decoded(serve: Callable[[Script], ScriptedServer]) -> None:
    body = gzip.compress(b'{"id": 7}')
    server = serve(lambda head: answer(body, headers=("Content-Encoding: gzip",)))
    client = KeystoneClient(server.url, server="0.10.9", retry=ONCE)
    response = client.http_get("records", headers={"Accept-Encoding": "gzip"})
    assert response.json() == {"id": 7}
    assert client.http_get("records").json() == {"id": 7}  # the connection is reused
    assert server.connections == 1


def test_a_chunked_body_is_read_whole_and_the_connection_reused(
    serve: Callable[[Script], ScriptedServer],
) -> None:
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n"
        b'\r\n4\r\n{"id\r\n5\r\n": 3}\r\n0\r\n\r\n'
    )
    server = serve(lambda head: chunked)
    client = KeystoneClient(server.url, server="0.10.9", retry=ONCE)
    assert client.http_get("records").json() == {"id": 3}
    assert client.http_get("records").json() == {"id": 3}
    assert server.connections == 1


def test_a_large_body_goes_out_whole(serve: Callable[[Script], ScriptedServer]) -> None:
    server = serve(lambda head: answer())
    client = KeystoneClient(server.url, server="0.10.9", retry=ONCE)
    payload = {"description": "x" * 3_000_000}
    assert client.http_post("records", json=payload).ok
    head = server.heads[0]
    assert b"Content-Length: " in head and server.connections == 1


def test_folded_header_values_are_unfolded(serve: Callable[[Script], ScriptedServer]) -> None:
    server = serve(lambda head: answer(headers=("X-Note: one\r\n  two",)))
    client = KeystoneClient(server.url, server="0.10.9", retry=ONCE)
    assert client.http_get("records").headers["X-Note"] == "one two"


def test_repeated_headers_are_all_kept(serve: Callable[[Script], ScriptedServer]) -> None:
    server = serve(lambda head: answer(headers=("Set-Cookie: a=1", "Set-Cookie: b=2")))
    client = KeystoneClient(server.url, server="0.10.9", retry=ONCE)
    headers = client.http_get("records").headers
    assert "a=1" in headers["Set-Cookie"] and "b=2" in headers["Set-Cookie"]


@pytest.mark.parametrize(
    ("path", "sent"),
    [
        ("records/?name=a b", b"/records/?name=a%20b"),
        ("records/%c3%a9/", b"/records/%C3%A9/"),
        ("records/\u00e9/", b"/records/%C3%A9/"),
        ("records/?_limit=10&_offset=20", b"/records/?_limit=10&_offset=20"),
    ],
)
def test_targets_go_out_percent_encoded_as_urllib3_sends_them(
    path: str, sent: bytes, serve: Callable[[Script], ScriptedServer]
) -> None:
    server = serve(lambda head: answer())
    client = KeystoneClient(server.url, server="0.10.9", retry=ONCE)
    client.http_get(path)
    assert server.targets() == [sent]


def test_a_redirect_is_returned_not_followed(serve: Callable[[Script], ScriptedServer]) -> None:
    server = serve(lambda head: answer(b"", "302 Found", ("Location: /elsewhere/",)))
    client = KeystoneClient(server.url, server="0.10.9", retry=ONCE)
    response = client.http_get("records")
    assert response.status_code == 302 and response.headers["Location"] == "/elsewhere/"
    assert server.targets() == [b"/records/"]


def test_answers_without_a_body_leave_the_connection_reusable(
    serve: Callable[[Script], ScriptedServer],
) -> None:
    def script(head: bytes) -> bytes:
        if head.startswith(b"HEAD"):
            return b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n"
        return b"HTTP/1.1 204 No Content\r\n\r\n"

    server = serve(script)
    client = KeystoneClient(server.url, server="0.10.9", retry=ONCE)
    assert client.request("HEAD", "records").content == b""
    assert client.http_delete("records/1").status_code == 204
    assert client.request("HEAD", "records").ok
    assert server.connections == 1


def test_an_answer_that_closes_the_connection_makes_the_next_request_open_one(
    serve: Callable[[Script], ScriptedServer],
) -> None:
    def script(head: bytes) -> bytes:
        return answer(headers=("Connection: close",))

    server = serve(script)
    client = KeystoneClient(server.url, server="0.10.9", retry=ONCE)
    assert client.http_get("records").json() == {"id": 1}
    assert client.http_get("records").json() == {"id": 1}
    assert server.connections == 2


def test_a_deadline_cuts_a_slow_answer(serve: Callable[[Script], ScriptedServer]) -> None:
    def script(head: bytes) -> bytes:
        time.sleep(1.0)
        return answer()

    server = serve(script)
    client = KeystoneClient(server.url, server="0.10.9", retry=RetryPolicy(deadline=0.3))
    with pytest.raises(keystone.ReadTimeout, match="deadline"):
        client.http_get("records")


def test_concurrent_requests_share_a_bounded_pool(
    serve: Callable[[Script], ScriptedServer],
) -> None:
    def script(head: bytes) -> bytes:
        time.sleep(0.01)
        return answer()

    server = serve(script)
    client = KeystoneClient(server.url, server="0.10.9", retry=ONCE, pool_maxsize=4)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(10):
                assert client.http_get("records").json() == {"id": 1}
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(server.heads) == 40 and server.connections <= 4


def test_the_urllib3_internals_the_transport_relies_on_are_there() -> None:
    """urllib3 2.x: if one of these goes, the transport's own path must be revisited."""
    import urllib3
    from urllib3.connection import HTTPConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
    from urllib3.util import url

    assert urllib3.__version__.split(".")[0] == "2"
    for name in ("_get_conn", "_put_conn", "_validate_conn"):
        assert callable(getattr(HTTPConnectionPool, name))
    assert callable(HTTPSConnectionPool._validate_conn)
    assert "_response_options" in HTTPConnection.__annotations__
    assert url._encode_target("/a b?c d") == "/a%20b?c%20d"


def test_an_answer_with_disagreeing_lengths_is_refused_and_its_connection_closed(
    serve: Callable[[Script], ScriptedServer],
) -> None:
    def script(head: bytes) -> bytes:
        if b"/two-lengths/" in head:  # which one frames the body? refuse, as urllib3 does
            return b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 9\r\n\r\n{}1234567"
        return answer()

    server = serve(script)
    client = KeystoneClient(server.url, server="0.10.9", retry=ONCE)
    with pytest.raises(keystone.TransportError) as info:
        client.http_get("two-lengths")
    assert "Content-Length" in str(info.value)
    assert client.http_get("records").json() == {"id": 1}
    assert server.connections == 2  # the connection with bytes left unread was not pooled
