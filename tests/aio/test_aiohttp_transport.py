"""The aiohttp transport over real sockets: the sync transport's promises, kept with asyncio.

Answers whole and as sent (repeated headers too); each failure the client's error for it, with
``request_sent`` true to what happened and no secret in its text; nothing sent twice by the
transport itself, but a pooled connection the server closed is replaced before use; a
cancelled request leaves no half-read connection behind; one ``asyncio.run`` after another.
Also :class:`~keystone.testing.MockTransport`'s async side.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import gzip
import logging
import pickle
import socket
import struct
import threading
import warnings
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from local_server import Canned, LocalServer, Received
from raw_http import read_message
from urllib3 import HTTPHeaderDict

import keystone
from keystone import Request, Response
from keystone._clock import SYSTEM_CLOCK
from keystone._errors import LowerLevelError
from keystone._request import CallState
from keystone._timeouts import CallDeadline
from keystone._transport.aio import AiohttpTransport
from keystone._urls import BaseURL
from keystone.testing import MockTransport

T = TypeVar("T")

OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


class RawServer:
    """A loopback server running ``serve(server, conn)`` for each connection, in a thread."""

    def __init__(self, serve: Callable[[RawServer, socket.socket], None]) -> None:
        self.serve = serve
        self.requests: list[bytes] = []
        self.connections = 0
        self.closed = threading.Event()  # set when ``serve`` has closed a connection
        self.body_started = threading.Event()
        self.stop = threading.Event()
        self._lock = threading.Lock()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}/"
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
            threading.Thread(target=self._run, args=(conn,), daemon=True).start()

    def _run(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError), conn:
            self.serve(self, conn)

    def read(self, conn: socket.socket) -> bytes | None:
        request = read_message(conn)
        if request is not None:
            with self._lock:
                self.requests.append(request)
        return request

    def close(self) -> None:
        self.stop.set()
        self._listener.close()


@contextlib.contextmanager
def raw_server(serve: Callable[[RawServer, socket.socket], None]) -> Iterator[RawServer]:
    server = RawServer(serve)
    try:
        yield server
    finally:
        server.close()


def silent(server: RawServer, conn: socket.socket) -> None:
    """Reads the request and never answers."""
    server.read(conn)
    server.stop.wait(10)


def hang_up(server: RawServer, conn: socket.socket) -> None:
    """Reads the request and closes the connection without a word."""
    server.read(conn)


def garbled(server: RawServer, conn: socket.socket) -> None:
    server.read(conn)
    conn.sendall(b"THIS IS NOT HTTP\r\n\r\n")


def answer_then_close_idle(reset: bool) -> Callable[[RawServer, socket.socket], None]:
    """Answers one request keep-alive, then closes the idle connection (FIN or RST)."""

    def serve(server: RawServer, conn: socket.socket) -> None:
        if server.read(conn) is None:
            return
        conn.sendall(OK)
        if reset:
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.close()
        server.closed.set()

    return serve


def slow_first(server: RawServer, conn: socket.socket) -> None:
    """The first connection's answer drips its body one byte at a time; later ones answer at
    once (``{}``), on every request."""
    first = server.connections == 1
    while server.read(conn) is not None:
        if not first:
            conn.sendall(OK)
            continue
        body = b'"' + b"x" * 500 + b'"'
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % len(body))
        for index in range(len(body)):
            conn.sendall(body[index : index + 1])
            server.body_started.set()
            if server.stop.wait(0.02):
                return


def run(made: AiohttpTransport, scenario: Callable[[], Awaitable[T]]) -> T:
    """``asyncio.run(scenario())``, closing the transport's connections before the loop ends."""

    async def closing() -> T:
        try:
            return await scenario()
        finally:
            await made.aclose()

    return asyncio.run(closing())


def send(made: AiohttpTransport, request: Request) -> Response:
    """One request in a loop of its own."""
    return run(made, lambda: made(request))


def transport(url: str, **options: object) -> AiohttpTransport:
    options.setdefault("timeout", (2, 2))
    return AiohttpTransport(BaseURL(url), **options)  # type: ignore[arg-type]


def with_deadline(method: str, url: str, seconds: float, body: bytes | None = None) -> Request:
    call = CallState(deadline=CallDeadline(seconds, SYSTEM_CLOCK))
    return Request(method, url, body=body, call=call)


def free_port() -> int:
    """A port nothing listens on: bound, not listening, so connecting is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server() -> Iterator[LocalServer]:
    server = LocalServer().start()
    yield server
    server.stop()


# -- answers ------------------------------------------------------------------------------


def test_a_get_and_a_post_come_back_whole(server: LocalServer) -> None:
    server.route(
        "GET", "/clusters/", Canned(200, {"id": 1}, cookies=["sessionid=s1; Path=/", "csrf=c1"])
    )
    server.route("POST", "/clusters/", lambda received: Canned(201, received.body))
    url = f"{server.url}clusters/"
    made = transport(server.url)  # outside any event loop: nothing of aiohttp's is made yet

    async def scenario() -> tuple[Response, Response]:
        got = await made(Request("GET", url, headers={"User-Agent": "tests"}))
        posted = await made(
            Request("POST", url, body=b'{"name": "a"}', headers={"Content-Type": "text/x"})
        )
        return got, posted

    got, posted = run(made, scenario)
    assert (got.status_code, got.reason, got.json()) == (200, "OK", {"id": 1})
    assert isinstance(got.headers, HTTPHeaderDict)  # what the urllib3 transport gives
    assert got.headers.getlist("Set-Cookie") == ["sessionid=s1; Path=/", "csrf=c1"]  # both
    assert got.headers["content-type"] == "application/json"
    assert got.url == url and got.request is not None and got.request.method == "GET"
    assert got.elapsed.total_seconds() > 0
    assert (posted.status_code, posted.reason, posted.content) == (201, "Created", b'{"name": "a"}')
    sent_get, sent_post = server.received
    # No header the urllib3 transport would not send: aiohttp's Accept and Content-Type are
    # left out, and the body's encoding is asked to be none, as http.client asks.
    assert {name for name, _ in sent_get.header_lines} == {"Host", "User-Agent", "Accept-Encoding"}
    assert sent_get.headers["Accept-Encoding"] == "identity"
    assert sent_post.body == b'{"name": "a"}' and sent_post.headers["Content-Type"] == "text/x"
    assert server.connections == 1  # the second request reused the first one's connection


def test_a_query_is_sent_percent_encoded_as_urllib3_does(server: LocalServer) -> None:
    server.route("GET", "/x/", Canned(200, []))
    send(transport(server.url), Request("GET", f"{server.url}x/?name=a b&id__in=1,2"))
    assert server.last.path == "/x/?name=a%20b&id__in=1,2"


def test_a_url_of_another_origin_is_sent_there(server: LocalServer) -> None:
    server.route("GET", "/elsewhere/", Canned(200, {"here": True}))
    made = transport(f"http://127.0.0.1:{free_port()}/")
    assert send(made, Request("GET", f"{server.url}elsewhere/")).json() == {"here": True}


def test_an_interim_103_is_skipped() -> None:
    def hinted(server: RawServer, conn: socket.socket) -> None:
        server.read(conn)
        conn.sendall(b"HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n" + OK)

    with raw_server(hinted) as server:
        answer = send(transport(server.url), Request("GET", f"{server.url}x/"))
    assert (answer.status_code, answer.json()) == (200, {})


def test_a_body_compressed_anyway_is_decoded(server: LocalServer) -> None:
    server.route("GET", "/z/", Canned(200, gzip.compress(b"[1]"), {"Content-Encoding": "gzip"}))
    assert send(transport(server.url), Request("GET", f"{server.url}z/")).content == b"[1]"


# -- failures -------------------------------------------------------------------------------


def test_a_refused_connection_is_a_connect_error_with_nothing_sent() -> None:
    url = f"http://127.0.0.1:{free_port()}/"
    with pytest.raises(keystone.ConnectError) as info:
        send(transport(url), Request("GET", f"{url}x/?token=hunter2&name=a"))
    error = info.value
    assert error.request_sent is False and not isinstance(error, keystone.TLSError)
    assert "could not connect" in str(error) and "nothing was sent" in str(error)
    # No secret in the message, the cause, or the pickled error; aiohttp's own error is not
    # chained (its text may carry the URL).
    assert "hunter2" not in str(error) and "token=***" in str(error) and "name=a" in str(error)
    assert isinstance(error.__cause__, LowerLevelError)
    assert "ClientConnectorError" in str(error.__cause__)
    assert error.__context__ is None
    assert b"hunter2" not in pickle.dumps(error)


def test_a_server_that_never_answers_is_a_read_timeout() -> None:
    with raw_server(silent) as server:
        made = transport(server.url, timeout=(2, 0.2))
        with pytest.raises(keystone.ReadTimeout) as info:
            send(made, Request("GET", f"{server.url}x/"))
    assert info.value.request_sent is True
    assert "no response within the read timeout" in str(info.value)
    assert "read timeout=0.2" in str(info.value)
    assert len(server.requests) == 1


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_deadline_shorter_than_the_read_timeout_cuts_the_wait(method: str) -> None:
    """As with urllib3: a read timeout that says the deadline ran out (the request was sent, so
    it is no ``DeadlineExceededError``, which promises that nothing was)."""
    with raw_server(silent) as server:
        made = transport(server.url, timeout=(5, 5))
        with pytest.raises(keystone.ReadTimeout) as info:
            send(made, with_deadline(method, f"{server.url}x/", 0.2, b"{}"))
    assert "0.2 s deadline passed before the response was complete" in str(info.value)
    assert info.value.request_sent is True
    assert len(server.requests) == 1


def test_a_passed_deadline_sends_nothing() -> None:
    with raw_server(silent) as server:
        request = with_deadline("POST", f"{server.url}x/?token=hunter2", 0.001, b"{}")
        request.call.deadline.at -= 1  # type: ignore[union-attr]
        with pytest.raises(keystone.DeadlineExceededError) as info:
            send(transport(server.url), request)
    assert info.value.request_sent is False and "nothing was sent" in str(info.value)
    assert "hunter2" not in str(info.value)
    assert server.connections == 0


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
def test_a_connection_closed_without_an_answer_is_dropped_and_not_resent(method: str) -> None:
    """aiohttp would send a GET, PUT or DELETE again by itself; here only the backoff layer
    decides that."""
    with raw_server(hang_up) as server, pytest.raises(keystone.ConnectionDroppedError) as info:
        send(transport(server.url), Request(method, f"{server.url}r/", body=b'{"n": 1}'))
    assert info.value.request_sent is True
    assert "closed before a complete response" in str(info.value)
    assert len(server.requests) == 1  # sent once
    assert server.connections == 1


def test_a_garbled_answer_is_a_dropped_connection_without_secrets() -> None:
    with raw_server(garbled) as server, pytest.raises(keystone.ConnectionDroppedError) as info:
        send(transport(server.url), Request("GET", f"{server.url}x/?api_key=hunter2"))
    error = info.value
    assert "hunter2" not in str(error) and "hunter2" not in str(error.__cause__)
    assert "api_key=***" in str(error)
    assert b"hunter2" not in pickle.dumps(error)


# -- connections ----------------------------------------------------------------------------


@pytest.mark.parametrize("reset", [False, True], ids=["FIN", "RST"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_pooled_connection_closed_while_idle_is_replaced_before_sending(
    method: str, reset: bool
) -> None:
    """The close reaches the socket while the event loop is busy elsewhere (so aiohttp has not
    seen it): the connection is checked before reuse, as urllib3 checks, and not written to."""
    with raw_server(answer_then_close_idle(reset)) as server:
        made = transport(server.url)

        async def scenario() -> tuple[int, int]:
            first = await made(Request(method, f"{server.url}r/", body=b"{}"))
            # The loop is blocked (it reads nothing) while the server closes the connection
            # and its FIN or RST arrives.
            assert server.closed.wait(5)
            threading.Event().wait(0.05)
            second = await made(Request(method, f"{server.url}r/", body=b"{}"))
            return first.status_code, second.status_code

        assert run(made, scenario) == (200, 200)
    assert len(server.requests) == 2  # each sent once
    assert server.connections == 2


def test_a_cancelled_request_leaves_no_half_read_connection_in_the_pool() -> None:
    with raw_server(slow_first) as server:
        made = transport(server.url, pool_maxsize=1)  # a pooled connection would be reused

        async def scenario() -> Response:
            slow = asyncio.ensure_future(made(Request("GET", f"{server.url}slow/")))
            while not server.body_started.is_set():
                await asyncio.sleep(0.005)
            slow.cancel()
            with pytest.raises(asyncio.CancelledError) as info:
                await slow
            assert type(info.value) is asyncio.CancelledError  # as it was, not translated
            return await made(Request("GET", f"{server.url}next/"))

        answer = run(made, scenario)
    assert answer.status_code == 200 and answer.json() == {}  # not the rest of the slow body
    assert server.connections == 2  # the half-read one was closed, not reused


def test_after_aclose_the_transport_opens_new_connections(server: LocalServer) -> None:
    server.route("GET", "/x/", Canned(200, [1]))
    made = transport(server.url)

    async def scenario() -> list[int]:
        statuses = [(await made(Request("GET", f"{server.url}x/"))).status_code]
        await made.aclose()
        await made.aclose()  # twice is fine
        statuses.append((await made(Request("GET", f"{server.url}x/"))).status_code)
        return statuses

    assert run(made, scenario) == [200, 200]
    assert server.connections == 2


def test_aclose_lets_the_requests_under_way_finish(server: LocalServer) -> None:
    release = threading.Event()
    arrived = threading.Event()

    def held(received: Received) -> Canned:
        arrived.set()
        release.wait(5)
        return Canned(200, {"held": True})

    server.route("GET", "/held/", held)
    server.route("GET", "/x/", Canned(200, []))
    made = transport(server.url)

    async def scenario() -> tuple[Response, Response]:
        under_way = asyncio.ensure_future(made(Request("GET", f"{server.url}held/")))
        while not arrived.is_set():
            await asyncio.sleep(0.005)
        await made.aclose()  # does not cut the request under way
        release.set()
        finished = await under_way
        return finished, await made(Request("GET", f"{server.url}x/"))

    finished, later = run(made, scenario)
    assert finished.json() == {"held": True} and later.status_code == 200
    assert server.connections == 2  # the first session closed after its last request


@pytest.mark.parametrize("shutdown", [True, False], ids=["asyncio.run", "a bare loop"])
def test_one_event_loop_after_another(
    shutdown: bool, server: LocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Each loop gets a session of its own. The first is not closed by anyone: ``asyncio.run``
    closes it as it ends; a loop closed without that leaves it to the next request, which lets
    it go without an error."""
    server.route("GET", "/x/", Canned(200, [1]))
    made = transport(server.url)

    async def one() -> int:
        return (await made(Request("GET", f"{server.url}x/"))).status_code

    with caplog.at_level(logging.ERROR), warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        if shutdown:
            assert asyncio.run(one()) == 200
        else:
            loop = asyncio.new_event_loop()
            assert loop.run_until_complete(one()) == 200
            loop.close()
        assert run(made, one) == 200
        gc.collect()
    assert server.connections == 2
    assert not [r for r in caplog.records if "Unclosed" in r.getMessage()]


def test_reserve_lets_more_requests_run_at_once(server: LocalServer) -> None:
    """With one connection allowed, three requests would run one after the other and the
    server's barrier for three at once would break; after ``reserve(3)`` they run together."""
    barrier = threading.Barrier(3, timeout=5)

    def together(received: Received) -> Canned:
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            return Canned(503, "not together")
        return Canned(200, [])

    server.route("GET", "/first/", Canned(200, []))
    server.route("GET", "/together/", together)
    made = transport(server.url, pool_maxsize=1)

    async def scenario() -> list[int]:
        await made(Request("GET", f"{server.url}first/"))  # a session of one connection
        made.reserve(3)
        made.reserve(2)  # never shrinks
        answers = await asyncio.gather(
            *(made(Request("GET", f"{server.url}together/")) for _ in range(3))
        )
        return [answer.status_code for answer in answers]

    assert run(made, scenario) == [200, 200, 200]
    assert made.pool_maxsize == 3


# -- TLS ------------------------------------------------------------------------------------


@pytest.fixture
def secure(tmp_path: Path) -> Iterator[LocalServer]:
    server = LocalServer(tls_directory=tmp_path).start()
    server.route("GET", "/x/", Canned(200, {"secure": True}))
    yield server
    server.stop()


def test_https_with_the_ca_bundle_given_works(secure: LocalServer) -> None:
    assert secure.ca_path is not None
    made = transport(secure.url, verify=secure.ca_path)

    async def scenario() -> list[object]:
        return [(await made(Request("GET", f"{secure.url}x/"))).json() for _ in range(2)]

    assert run(made, scenario) == [{"secure": True}] * 2
    assert secure.connections == 1  # the idle TLS connection was found fit for reuse


def test_an_untrusted_certificate_is_a_tls_error(secure: LocalServer) -> None:
    made = transport(secure.url)  # verify=True: the system's CAs, which never signed it
    with pytest.raises(keystone.TLSError) as info:
        send(made, Request("GET", f"{secure.url}x/?token=hunter2"))
    assert "certificate was not accepted" in str(info.value) and "verify=" in str(info.value)
    assert info.value.request_sent is False and "hunter2" not in str(info.value)
    assert secure.received == []


def test_https_at_a_plain_http_port_is_a_tls_error(server: LocalServer) -> None:
    url = server.url.replace("http://", "https://")
    with pytest.raises(keystone.TLSError, match="does not speak TLS"):
        send(transport(url), Request("GET", f"{url}x/"))
    assert server.received == []


def test_verify_and_pool_maxsize_are_checked_as_by_the_sync_transport(tmp_path: Path) -> None:
    url = "https://127.0.0.1:9/"
    with pytest.raises(ValueError, match="neither a CA bundle file nor a directory"):
        transport(url, verify=str(tmp_path / "missing.pem"))
    with pytest.raises(TypeError, match="verify must be True, False or a CA bundle path"):
        transport(url, verify=1)
    not_pem = tmp_path / "not.pem"
    not_pem.write_text("not a certificate")
    with pytest.raises(ValueError, match="CA bundle could not be loaded"):
        transport(url, verify=str(not_pem))
    with pytest.warns(keystone.InsecureConnectionWarning, match="verification is off"):
        transport(url, verify=False)
    for bad in (0, -1, True, 1.5):
        with pytest.raises(ValueError, match="must be a positive whole number"):
            transport(url, pool_maxsize=bad)


# -- MockTransport --------------------------------------------------------------------------


def test_mock_transport_awaits_an_async_handler() -> None:
    async def handler(request: Request) -> Response:
        await asyncio.sleep(0)
        return Response(200, json={"path": request.url})

    mock = MockTransport(handler)
    request = Request("GET", "http://keystone.test/x/")
    answer = asyncio.run(mock.handle_async(request))
    assert answer.json() == {"path": "http://keystone.test/x/"}
    assert answer.request is request and answer.url == request.url
    assert mock.requests == [request]


def test_mock_transport_handle_async_takes_a_plain_handler_too() -> None:
    mock = MockTransport(lambda request: Response(204))
    answer = asyncio.run(mock.handle_async(Request("DELETE", "http://keystone.test/x/1/")))
    assert answer.status_code == 204 and answer.url == "http://keystone.test/x/1/"
    assert len(mock.requests) == 1


def test_mock_transport_says_what_an_async_handler_must_return() -> None:
    async def handler(request: Request) -> dict[str, int]:
        return {"id": 1}

    mock = MockTransport(handler)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"returned \{'id': 1\}; return a keystone.Response"):
        asyncio.run(mock.handle_async(Request("GET", "http://keystone.test/")))


def test_mock_transport_called_with_an_async_handler_points_to_the_async_client() -> None:
    async def handler(request: Request) -> Response:
        raise AssertionError("never run")

    mock = MockTransport(handler)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "coroutine was never awaited" either
        with pytest.raises(TypeError, match="AsyncKeystoneClient") as info:
            mock(Request("GET", "http://keystone.test/"))
        gc.collect()
    assert "is asynchronous" in str(info.value)


def test_the_insecure_warning_points_at_the_line_that_made_the_async_client() -> None:
    with pytest.warns(keystone.InsecureConnectionWarning, match="verification is off") as seen:
        keystone.AsyncKeystoneClient("https://localhost", verify=False)
    assert seen[0].filename == __file__
