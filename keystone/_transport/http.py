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

Proxies (see :mod:`.network` for which request takes which) are driven as ``urlopen`` and
``ProxyManager`` drive them: one ``ProxyManager`` per proxy gives the pools; a request to an
``http://`` server goes to the proxy's pool in absolute form with the proxy's
``Proxy-Authorization``; one to an ``https://`` server goes through a ``CONNECT`` tunnel opened
by ``_prepare_proxy`` on each new connection (the credentials on the ``CONNECT`` alone). Which
path the client's own origin takes is decided when the transport is made: without a proxy its
requests do no more work than before proxies existed.

It relies on these urllib3 2.x internals, checked by ``tests/client/test_transport_path.py``:
``HTTPConnectionPool._get_conn``, ``_put_conn``, ``_validate_conn`` and
``HTTPSConnectionPool._prepare_proxy``, ``HTTPConnection._response_options`` and
``has_connected_to_proxy``, and ``urllib3.util.url._encode_target``.
"""

from __future__ import annotations

import errno
import http.client
import os
import threading
import time
from typing import Any, NamedTuple, cast

import urllib3
from urllib3 import HTTPHeaderDict, HTTPResponse
from urllib3 import exceptions as u3
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.util import Retry, Timeout
from urllib3.util.ssl_ import create_urllib3_context
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
from keystone._transport.network import (
    Proxy,
    ProxyRoutes,
    client_certificate,
    environment_trust,
    load_system_cas_without_env,
)
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

#: What ``urlopen`` reports as a ``ProxyError`` when the proxy was never reached.
_PROXY_FAILURES = (
    OSError,
    u3.NewConnectionError,
    TimeoutError,
    u3.SSLError,
    http.client.HTTPException,
)

#: The ``secure`` of a lane whose new connections open a ``CONNECT`` tunnel first.
_TUNNELLED = 2


class _ProxyRoute(NamedTuple):
    """How requests to one origin go through ``proxy``: over ``lane``, in absolute form after
    ``absolute`` (``scheme://host:port`` of an ``http://`` server), or, with ``absolute``
    ``None``, through a tunnel."""

    proxy: Proxy
    lane: tuple[HTTPConnectionPool, int]
    absolute: str | None


class ProxyRefusal(OSError):
    """A proxy answered a request in absolute form with 407: it was not forwarded."""

    def __init__(self, reason: str | None) -> None:
        super().__init__(f"the proxy answered 407 {reason or ''}".strip())


class HTTPTransport(BaseTransport):
    """Sends each request over a urllib3 connection pool; see the module docstring."""

    def __init__(
        self,
        base_url: BaseURL,
        *,
        timeout: TimeoutLike = (DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT),
        verify: bool | str = True,
        cert: str | tuple[str, str] | None = None,
        proxy: str | Proxy | None = None,
        trust_env: bool = True,
        pool_maxsize: int = 10,
        pool_block: bool = False,
    ) -> None:
        check_pool_maxsize(pool_maxsize)
        self._origin = base_url.origin
        self._origin_prefix = base_url.origin_prefix
        self.default_timeout = to_timeout(timeout)
        self._routes = ProxyRoutes(proxy, trust_env=trust_env)
        tls = tls_options(verify)  # called from here: its warning points at the client's maker
        trust = environment_trust(verify, trust_env)
        if trust is not None and trust.without_env:
            context = create_urllib3_context()
            load_system_cas_without_env(context)
            tls["ssl_context"] = context
        elif trust is not None:
            tls.update(ca_certs=trust.cafile, ca_cert_dir=trust.capath)
        certificate = client_certificate(cert)
        if certificate is not None:
            tls.update(cert_file=certificate.cert_file, key_file=certificate.key_file)
        self._pool_options: dict[str, Any] = {
            "num_pools": 10,
            "maxsize": pool_maxsize,
            "block": pool_block,
            "timeout": self.default_timeout,
            **tls,
        }
        self._proxy_lock = threading.Lock()
        self._open_pools()

    def _open_pools(self) -> None:
        self._pid = os.getpid()
        # retries=False-like: urllib3 must neither retry nor sleep on Retry-After by itself.
        self.pool_manager = urllib3.PoolManager(retries=_NO_RETRIES, **self._pool_options)
        self.pool_manager.pool_classes_by_scheme = POOL_CLASSES
        self._proxy_managers: dict[Proxy, urllib3.ProxyManager] = {}
        self._proxy_routes: dict[tuple[str, str, int | None], _ProxyRoute | None] = {}
        origin = parse_url(self._origin_prefix)
        route = self._route(origin.scheme or "http", origin.host or "", origin.port)
        if route is not None:
            self._own_route = route
            self._send = self._send_own_via_proxy  # type: ignore[method-assign]
        pool = self.pool_manager.connection_from_url(self._origin_prefix)
        assert isinstance(pool, TrackingHTTPConnectionPool | TrackingHTTPSConnectionPool)
        self._own_pool = pool
        self._lane = (pool, isinstance(pool, HTTPSConnectionPool))

    def _route(self, scheme: str, host: str, port: int | None) -> _ProxyRoute | None:
        """The proxy route of an origin, decided once, or ``None`` to go directly."""
        key = (scheme, host, port)
        try:
            return self._proxy_routes[key]
        except KeyError:
            pass
        proxy = self._routes.for_origin(scheme, host, port) if self._routes.any else None
        route = None
        if proxy is not None:
            with self._proxy_lock:
                manager = self._proxy_managers.get(proxy)
                if manager is None:
                    manager = urllib3.ProxyManager(
                        proxy.url,
                        proxy_headers=proxy.headers,
                        retries=_NO_RETRIES,
                        **self._pool_options,
                    )
                    manager.pool_classes_by_scheme = POOL_CLASSES
                    self._proxy_managers[proxy] = manager
            pool = manager.connection_from_host(host, port=port, scheme=scheme)
            if scheme == "https":
                route = _ProxyRoute(proxy, (pool, _TUNNELLED), None)
            else:
                netloc = f"[{host}]" if ":" in host else host
                absolute = f"{scheme}://{netloc}" + (f":{port}" if port is not None else "")
                secure = isinstance(pool, HTTPSConnectionPool)  # an https:// proxy
                route = _ProxyRoute(proxy, (pool, secure), absolute)
        self._proxy_routes[key] = route
        return route

    def proxy_for(self, url: str) -> Proxy | None:
        """The proxy a request to ``url`` goes through, or ``None`` (directly)."""
        parsed = parse_url(url)
        route = self._route(parsed.scheme or "http", parsed.host or "", parsed.port)
        return None if route is None else route.proxy

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
        except ProxyRefusal as exc:
            outcome = self._fail(u3.ProxyError("Unable to connect to proxy", exc), request)
        except u3.HTTPError as exc:
            outcome = self._send_again_or_fail(exc, request, timeout_obj, left)
        except (OverflowError, MemoryError) as exc:  # the answer's framing: a size absurd
            outcome = unreadable_answer(request, exc)
        return answered(request, outcome, start)

    def _send(self, request: Request, timeout: Timeout, left: float | None) -> Answer:
        url = request.url
        if url.startswith(self._origin_prefix):
            target = url[len(self._origin) :]
            if PLAIN_TARGET.match(target) is None:
                target = _encode_target(target)  # percent-encoded as urllib3 would
            return self._exchange(self._lane, request, target, request.headers, timeout, left)
        return self._send_elsewhere(request, timeout, left)

    def _send_own_via_proxy(self, request: Request, timeout: Timeout, left: float | None) -> Answer:
        """:meth:`_send` when the client's own origin goes through a proxy."""
        url = request.url
        if url.startswith(self._origin_prefix):
            target = url[len(self._origin) :]
            return self._via(self._own_route, request, target, timeout, left)
        return self._send_elsewhere(request, timeout, left)

    def _send_elsewhere(self, request: Request, timeout: Timeout, left: float | None) -> Answer:
        """A request to another origin (a link the caller gave): its own pool and route."""
        parsed = parse_url(request.url)
        route = self._route(parsed.scheme or "http", parsed.host or "", parsed.port)
        if route is not None:
            return self._via(route, request, parsed.request_uri, timeout, left)
        pool = self.pool_manager.connection_from_host(
            parsed.host, port=parsed.port, scheme=parsed.scheme
        )
        lane = (pool, int(isinstance(pool, HTTPSConnectionPool)))
        target = parsed.request_uri
        if PLAIN_TARGET.match(target) is None:
            target = _encode_target(target)
        return self._exchange(lane, request, target, request.headers, timeout, left)

    def _via(
        self,
        route: _ProxyRoute,
        request: Request,
        target: str,
        timeout: Timeout,
        left: float | None,
    ) -> Answer:
        """A request through a proxy: tunnelled as it is, or in absolute form with the
        proxy's headers (as ``ProxyManager.urlopen`` sends it); a 407 answer to that is the
        proxy's refusal, not the server's."""
        if PLAIN_TARGET.match(target) is None:
            target = _encode_target(target)
        if route.absolute is None:
            return self._exchange(route.lane, request, target, request.headers, timeout, left)
        headers = HTTPHeaderDict(request.headers)
        headers.update(route.proxy.headers)
        answer = self._exchange(
            route.lane, request, route.absolute + target, headers, timeout, left
        )
        if answer[0] == 407:
            raise ProxyRefusal(answer[1])
        return answer

    def _exchange(
        self,
        lane: tuple[HTTPConnectionPool, int],
        request: Request,
        target: str,
        headers: Any,
        timeout: Timeout,
        left: float | None,
    ) -> Answer:
        """One request and its whole answer over a connection of the origin's pool.

        What ``HTTPConnectionPool.urlopen`` does with retries and redirects off and the body
        preloaded, in the same order and with the same urllib3 errors, without the work that
        serves options this client never uses (proxies, retries, redirects, rewinding bodies)
        nor urllib3's ``HTTPResponse`` around ``http.client``'s (unless the body is encoded:
        then urllib3 decodes it, as ever). ``target`` is encoded already. A lane's ``secure``
        is ``_TUNNELLED`` when a new connection must open a ``CONNECT`` tunnel through its
        proxy first (``_prepare_proxy``, as ``urlopen`` does). The connection goes back to the
        pool only after a complete answer; after any failure it is closed and its place in
        the pool freed.
        """
        pool, secure = lane
        # The deadline runs on the client's clock; the socket's reads on real time.
        read_by = None if left is None else time.monotonic() + left
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
                if secure is _TUNNELLED and conn.is_closed:
                    try:
                        pool._prepare_proxy(conn)  # the CONNECT, then the TLS handshake in it
                    except Exception as exc:
                        raise _tunnel_error(exc, conn) from exc
                pool._validate_conn(conn)  # connects (the TLS handshake) before sending
            stage = _SEND
            try:
                conn.request(request.method, target, body=request.body, headers=headers)
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
            to_proxy = conn.proxy is not None and not conn.has_connected_to_proxy
            conn.close()
            pool._put_conn(None)  # its place in the pool, for a new connection
            error = _urllib3_error(exc, stage, pool, target, conn.timeout)
            if to_proxy and isinstance(error, _PROXY_FAILURES):  # as urlopen wraps them
                error = u3.ProxyError("Unable to connect to proxy", error)
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
            except ProxyRefusal as refused:
                exc = u3.ProxyError("Unable to connect to proxy", refused)
                break
            except u3.HTTPError as again:
                exc = again
        return self._fail(exc, request)

    def _fail(self, exc: u3.HTTPError, request: Request) -> Exception:
        """The client's error for ``exc``, its cause shown redacted, the proxy's password
        hidden (the proxy the request went through is named in the message)."""
        proxy = self.proxy_for(request.url) if self._routes.any else None
        translated = translate_error(exc, request, proxy)
        if not isinstance(translated, ValueError):  # bad input: the urllib3 error repeats it
            translated.__cause__ = shown_cause(exc, request.call.redactor, proxy)
        return translated

    def close(self) -> None:
        """Close every pooled connection; later requests open new ones."""
        old_manager, old_pool = self.pool_manager, self._own_pool
        old_proxies = list(self._proxy_managers.values())
        forked = self._pid != os.getpid()
        self._open_pools()
        if forked:
            return  # the parent's pools (and their locks) belong to the parent: leave them be
        old_pool.close()
        old_manager.clear()
        for manager in old_proxies:
            manager.clear()


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


def _tunnel_error(exc: Exception, conn: TrackingHTTPConnection) -> u3.HTTPError:
    """The urllib3 error for a failure while opening a tunnel through the proxy and the TLS
    session in it: an ``SSLError`` when the proxy let the tunnel through and the server's
    handshake failed in it, else a ``ProxyError`` (the server never saw the request)."""
    tls = isinstance(exc, (_BaseSSLError, CertificateError, u3.SSLError))
    if tls and conn.has_connected_to_proxy and "Tunnel connection failed" not in str(exc):
        return exc if isinstance(exc, u3.SSLError) else u3.SSLError(exc)
    return u3.ProxyError("Unable to connect to proxy", exc)
