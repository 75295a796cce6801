"""The urllib3 transport: the only module that talks to urllib3.

One ``PoolManager`` per client, thread-safe. urllib3's own retries and redirects are off: its
default ``Retry`` sleeps for ``Retry-After`` by itself (60 s on a throttled Keystone) and
following a 301 turns a POST into a GET without body. Retrying is the backoff layer's job.
Each request takes a connection from its origin's pool itself (``_get_conn``/``_put_conn``;
the client's own origin's pool is looked up once), sends with urllib3's connection and reads
``http.client``'s answer whole, raising the errors ``urlopen`` would: the URL parsing, pool
lookup, retry and redirect bookkeeping and ``urllib3.HTTPResponse`` of the general path are
work this client never needs (see ``HTTPTransport._exchange``). A request whose call deadline
has passed is not sent; one in progress is cut short when it passes: the connection reads the
answer within the deadline it is given (see ``wire_response``).

It relies on these urllib3 2.x internals, checked by ``tests/client/test_transport_path.py``:
``HTTPConnectionPool._get_conn``, ``_put_conn`` and ``_validate_conn``,
``HTTPConnection._response_options`` and ``urllib3.util.url._encode_target``.
"""

from __future__ import annotations

import errno
import http.client
import os
import time
from typing import Any, cast

import urllib3
from urllib3 import HTTPHeaderDict, HTTPResponse
from urllib3 import exceptions as u3
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.util import Retry, Timeout
from urllib3.util.ssl_match_hostname import CertificateError
from urllib3.util.url import _encode_target, parse_url

from keystone._request import Request
from keystone._response import Response
from keystone._timeouts import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_READ_TIMEOUT,
    DEFAULT_TIMEOUT,
    TimeoutLike,
    to_timeout,
)
from keystone._transport.base import BaseTransport
from keystone._transport.connections import (
    POOL_CLASSES,
    TrackingHTTPConnection,
    TrackingHTTPConnectionPool,
    TrackingHTTPSConnectionPool,
    nothing_sent,
)
from keystone._transport.errors import shown_cause, translate_error, unreadable_answer
from keystone._transport.shared import (
    PLAIN_TARGET,
    Answer,
    answered,
    check_pool_maxsize,
    not_sent,
    tls_options,
    unfolded,
)
from keystone._transport.wire_response import WireResponse
from keystone._urls import BaseURL

try:
    from ssl import SSLError as _BaseSSLError
except ImportError:  # Python built without ssl: no TLS error can happen
    _BaseSSLError = type("_BaseSSLError", (Exception,), {})  # type: ignore[assignment,misc]

_NO_RETRIES = Retry(total=False, redirect=False, raise_on_redirect=False, raise_on_status=False)


#: Where an exchange failed: how urllib3 would have reported it depends on it.
_CONNECT, _SEND, _HEAD, _BODY = range(4)


class HTTPTransport(BaseTransport):
    """Sends each request over a urllib3 connection pool; see the module docstring."""

    def __init__(
        self,
        base_url: BaseURL,
        *,
        timeout: TimeoutLike = (DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT),
        verify: bool | str = True,
        pool_maxsize: int = 10,
        pool_block: bool = False,
    ) -> None:
        check_pool_maxsize(pool_maxsize)
        self._origin = base_url.origin
        self._origin_prefix = base_url.origin_prefix
        self.default_timeout = to_timeout(timeout)
        self._pool_options: dict[str, Any] = {
            "num_pools": 10,
            "maxsize": pool_maxsize,
            "block": pool_block,
            "timeout": self.default_timeout,
            **tls_options(verify),
        }
        self._open_pools()

    def _open_pools(self) -> None:
        self._pid = os.getpid()
        # retries=False-like: urllib3 must neither retry nor sleep on Retry-After by itself.
        self.pool_manager = urllib3.PoolManager(retries=_NO_RETRIES, **self._pool_options)
        self.pool_manager.pool_classes_by_scheme = POOL_CLASSES
        pool = self.pool_manager.connection_from_url(self._origin_prefix)
        assert isinstance(pool, TrackingHTTPConnectionPool | TrackingHTTPSConnectionPool)
        self._own_pool = pool
        self._lane = (pool, isinstance(pool, HTTPSConnectionPool))

    @property
    def pool_maxsize(self) -> int:
        """How many connections per host the pool keeps open for reuse."""
        return int(self._pool_options["maxsize"])

    def reserve(self, connections: int) -> None:
        """Keep at least ``connections`` connections per host, so concurrent callers reuse them.

        Growing swaps in new pools; requests already holding a connection of the old pools
        finish normally and the old pools are released when nothing references them.
        """
        if connections > self.pool_maxsize:
            self._pool_options["maxsize"] = connections
            self._open_pools()
        elif self._pid != os.getpid():
            self._open_pools()

    def __call__(self, request: Request) -> Response:
        if self._pid != os.getpid():
            self._open_pools()  # forked: the parent's sockets must not be shared
        timeout = request.timeout
        if timeout is DEFAULT_TIMEOUT:
            timeout_obj = self.default_timeout
        elif isinstance(timeout, Timeout):
            timeout_obj = timeout
        else:
            timeout_obj = to_timeout(timeout)
        deadline = request.call.deadline
        left: float | None = None
        if deadline is not None:
            left = deadline.left()
            if left <= 0:
                raise not_sent(request, deadline)
        start = time.perf_counter()
        outcome: Answer | Exception
        try:
            outcome = self._send(request, timeout_obj, left)
        except u3.HTTPError as exc:
            outcome = self._send_again_or_fail(exc, request, timeout_obj, left)
        except (OverflowError, MemoryError) as exc:  # the answer's framing: a size absurd
            outcome = unreadable_answer(request, exc)
        return answered(request, outcome, start)

    def _send(self, request: Request, timeout: Timeout, left: float | None) -> Answer:
        url = request.url
        if url.startswith(self._origin_prefix):
            return self._exchange(self._lane, request, url[len(self._origin) :], timeout, left)
        parsed = parse_url(url)  # another origin (a link the caller gave): its own pool
        pool = self.pool_manager.connection_from_host(
            parsed.host, port=parsed.port, scheme=parsed.scheme
        )
        lane = (pool, isinstance(pool, HTTPSConnectionPool))
        return self._exchange(lane, request, parsed.request_uri, timeout, left)

    def _exchange(
        self,
        lane: tuple[HTTPConnectionPool, bool],
        request: Request,
        target: str,
        timeout: Timeout,
        left: float | None,
    ) -> Answer:
        """One request and its whole answer over a connection of the origin's pool.

        What ``HTTPConnectionPool.urlopen`` does with retries and redirects off and the body
        preloaded, in the same order and with the same urllib3 errors, without the work that
        serves options this client never uses (proxies, retries, redirects, rewinding bodies)
        nor urllib3's ``HTTPResponse`` around ``http.client``'s (unless the body is encoded:
        then urllib3 decodes it, as ever). The connection goes back to the pool only after a
        complete answer; after any failure it is closed and its place in the pool freed.
        """
        pool, secure = lane
        # The deadline runs on the client's clock; the socket's reads on real time.
        read_by = None if left is None else time.monotonic() + left
        if PLAIN_TARGET.match(target) is None:
            target = _encode_target(target)  # percent-encoded as urllib3 would
        timer = timeout
        if timeout.total is not None:
            timer = timeout.clone()
            timer.start_connect()
        connect = Timeout.resolve_default_timeout(timer.connect_timeout)
        if left is not None and (connect is None or connect > left):
            connect = left
        stage = _CONNECT
        conn = cast(TrackingHTTPConnection, pool._get_conn())
        try:
            conn.timeout = connect
            if secure:
                pool._validate_conn(conn)  # connects (the TLS handshake) before sending
            stage = _SEND
            try:
                conn.request(request.method, target, body=request.body, headers=request.headers)
            except BrokenPipeError:
                pass  # as urllib3: the server may have answered before closing; read it
            except OSError as exc:
                if exc.errno != errno.EPROTOTYPE and exc.errno != errno.ECONNRESET:
                    raise
            stage = _HEAD
            read = Timeout.resolve_default_timeout(timer.read_timeout)
            if not conn.is_closed:
                if read == 0:
                    raise u3.ReadTimeoutError(pool, target, "Read timed out. (read timeout=0)")
                conn.timeout = read
            answer = conn.answer(read_by)
            headers = HTTPHeaderDict()
            for name, value in answer.msg.items():
                headers.add(name, unfolded(value))
            _check_length(headers)
            stage = _BODY
            if "Content-Encoding" in headers:
                content = _decoded(answer, headers, request.method, target)
            else:
                content = answer.read()
        except BaseException as exc:
            conn.close()
            pool._put_conn(None)  # its place in the pool, for a new connection
            error = _urllib3_error(exc, stage, pool, target, conn.timeout)
            if error is exc:
                raise
            raise error from exc
        pool._put_conn(conn)
        return answer.status, answer.reason, headers, content

    def _send_again_or_fail(
        self, exc: u3.HTTPError, request: Request, timeout: Timeout, left: float | None
    ) -> Answer | Exception:
        """Resend a request that met a stale pooled connection before any byte went out.

        This is not a retry: the server never saw the request (see
        :mod:`keystone._transport.connections`). Each resend discards one dead connection, so it
        is bounded by the pool size; any other failure is translated, and returned to be raised.
        """
        for _ in range(self.pool_maxsize + 1):
            stale = nothing_sent(exc)
            if stale is None or not stale.reused:
                break
            try:
                return self._send(request, timeout, left)
            except u3.HTTPError as again:
                exc = again
        translated = translate_error(exc, request)
        if not isinstance(translated, ValueError):  # bad input: the urllib3 error repeats it
            translated.__cause__ = shown_cause(exc, request.call.redactor)
        return translated

    def close(self) -> None:
        """Close every pooled connection; later requests open new ones."""
        old_manager, old_pool = self.pool_manager, self._own_pool
        forked = self._pid != os.getpid()
        self._open_pools()
        if forked:
            return  # the parent's pools (and their locks) belong to the parent: leave them be
        old_pool.close()
        old_manager.clear()


def _check_length(headers: HTTPHeaderDict) -> None:
    """Refuse an answer whose ``Content-Length`` headers disagree, as urllib3 does: which one
    frames the body is anyone's guess, and a proxy may read it otherwise (request smuggling)."""
    length = headers.get("Content-Length")
    if length is None or "," not in length or "chunked" in headers.get("Transfer-Encoding", ""):
        return
    try:
        values = {int(value) for value in length.split(",")}
    except ValueError:
        return
    if len(values) > 1:
        raise u3.InvalidHeader(f"Content-Length contained multiple unmatching values ({length})")


def _decoded(answer: WireResponse, headers: HTTPHeaderDict, method: str, target: str) -> bytes:
    """The body of an answer with a ``Content-Encoding``, decoded by urllib3 (gzip, deflate,
    and br or zstd when their packages are installed), with its errors."""
    return HTTPResponse(
        body=answer,
        headers=headers,
        status=answer.status,
        version=answer.version,
        reason=answer.reason,
        preload_content=True,
        decode_content=True,
        original_response=answer,
        enforce_content_length=True,
        request_method=method,
        request_url=target,
    ).data


def _urllib3_error(
    exc: BaseException, stage: int, pool: HTTPConnectionPool, target: str, timeout: object
) -> BaseException:
    """The urllib3 error ``urlopen`` raises (retries off) for ``exc``, raised at ``stage``.

    urllib3's own errors (could not connect, connect timeout, ...) stay as they are; a socket
    timeout while connecting (the TLS handshake) or waiting for the answer's head is a read
    timeout, as in ``_make_request``; one while reading the body too, as in ``HTTPResponse``;
    a TLS failure is an ``SSLError``; any other socket or HTTP failure a ``ProtocolError``
    with it as its second argument. Anything else (``ValueError`` for a header urllib3
    refuses, ``KeyboardInterrupt``) is raised as it is.
    """
    if isinstance(exc, u3.HTTPError):
        return exc
    if stage == _BODY:
        if isinstance(exc, TimeoutError):
            return u3.ReadTimeoutError(pool, None, "Read timed out.")
        if isinstance(exc, _BaseSSLError):
            return u3.SSLError(exc)
        if isinstance(exc, (http.client.HTTPException, OSError)):
            return u3.ProtocolError(f"Connection broken: {exc!r}", exc)
        return exc
    if stage != _SEND and (
        isinstance(exc, TimeoutError)
        or (isinstance(exc, OSError) and exc.errno in (errno.EAGAIN, errno.EWOULDBLOCK))
    ):
        return u3.ReadTimeoutError(pool, target, f"Read timed out. (read timeout={timeout})")
    if isinstance(exc, (_BaseSSLError, CertificateError)):
        return u3.SSLError(exc)
    if isinstance(exc, (OSError, http.client.HTTPException)):
        return u3.ProtocolError("Connection aborted.", exc)
    return exc
