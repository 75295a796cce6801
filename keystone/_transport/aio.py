"""The aiohttp transport of :class:`~keystone.AsyncKeystoneClient`: the only module that talks
to aiohttp, imported only when an async client is made (the ``[async]`` extra).

It keeps the promises of the urllib3 transport (:mod:`.http`), so that the chain above sees
the same requests, answers and errors from both:

- **Nothing is retried or redirected here.** aiohttp resends a GET, PUT or DELETE by itself
  once when a connection fails, even after the server may have acted on it and on a fresh
  connection; that is turned off, as are redirects, cookies (the auth layer keeps them),
  ``raise_for_status``, and aiohttp's own reading of proxies and ``.netrc`` from the
  environment (:mod:`.network` decides the proxy of each request). Retrying is the backoff
  layer's job. A pooled connection the server has closed while it sat idle is checked for
  and replaced before anything is written to it, as urllib3 does (see :class:`_Connector`);
  a POST or PATCH is never sent twice.
- **The same wire.** No header the sync transport would not send: aiohttp's ``Accept: */*``
  and ``Content-Type: application/octet-stream`` are left out, ``Accept-Encoding: identity``
  goes when the request names no encoding (what ``http.client`` sends), a body that comes
  compressed anyway is decoded, header lines up to 64 KiB are read, and the answer's headers
  are decoded as ISO-8859-1 with every repeated one kept (several ``Set-Cookie``).
- **The same errors.** Each failure becomes the client's error for it (see
  :func:`_translated`): whether the request may have reached the server decides the class,
  the message names the method and the redacted URL, and the cause kept is aiohttp's error's
  type and redacted text, never the error itself (its text may carry the URL's secrets).
- **Deadlines.** A request whose call deadline has passed is not sent; one under way is
  bounded as a whole (connecting, sending, the answer's head and body) by what is left.
- **Proxies.** A request whose origin goes through a proxy gets it as aiohttp's ``proxy=``
  and ``proxy_headers=`` (absolute form for an ``http://`` server, a ``CONNECT`` tunnel for an
  ``https://`` one, the credentials to the proxy alone); the client's own origin is decided
  when the transport is made, and without any proxy no request does more work than before.
  A proxy that cannot be reached or refuses (407) is a :class:`~keystone.ConnectError`
  naming it, its password hidden: the server never saw the request.
- **Cancellation.** A cancelled request's connection is closed, never pooled half-read;
  ``CancelledError`` propagates as it is.

The aiohttp session and its connector belong to the event loop they were made in, so they are
made on the first request in a loop, not when the client is built, and closed when that loop
shuts down (``asyncio.run`` ending), if ``aclose()`` did not close them before. Used from
another loop (one ``asyncio.run`` after another), the transport opens a new session there and
closes the old one without awaiting it (see :func:`_close_now`). It serves one loop at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import select
import ssl
import time
import weakref
from collections.abc import AsyncGenerator, Iterable
from typing import Any

import aiohttp
from aiohttp.client_reqrep import ClientRequest
from aiohttp.connector import Connection
from aiohttp.tracing import Trace
from urllib3 import HTTPHeaderDict
from urllib3.exceptions import LocationValueError
from urllib3.util import Timeout
from urllib3.util.url import _encode_target, parse_url
from urllib3.util.wait import wait_for_read
from yarl import URL

from keystone._request import Request
from keystone._response import Response
from keystone._timeouts import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_READ_TIMEOUT,
    DEFAULT_TIMEOUT,
    TimeoutLike,
    to_timeout,
)
from keystone._transport.base import AsyncBaseTransport
from keystone._transport.errors import shown_cause, transport_failure, unreadable_answer
from keystone._transport.network import (
    ClientCertificate,
    EnvironmentTrust,
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
from keystone._urls import BaseURL

#: Headers aiohttp adds by itself that ``http.client`` does not send.
_NOT_SENT = frozenset({"Accept", "Content-Type"})

#: The longest header line ``http.client`` reads (its ``_MAXLINE``); aiohttp's is 8 KiB.
_MAX_LINE = 65536

#: A declared body longer than this (1 TiB) is no answer to read: the urllib3 transport fails
#: to make room for it, this one refuses it before waiting for it.
_LONGEST_BODY = 2**40

#: What a failed exchange may raise: aiohttp's errors, the socket's, the timers'.
_FAILURES = (aiohttp.ClientError, OSError, asyncio.TimeoutError)


class _Connector(aiohttp.TCPConnector):
    """aiohttp's connector, checking a pooled connection before reusing it, as urllib3 does.

    aiohttp learns that the server closed an idle keep-alive connection only when the event
    loop reads the close; until then it hands the connection out as alive, and the request
    written to it is lost with it. So a connection that served a request before is checked
    first: if its socket has anything to read (the server's FIN or RST, or bytes nobody asked
    for) it is closed and another taken, before a byte is written. The remaining race, a close
    arriving between that check and the write, is a dropped connection like any other, for the
    backoff layer to judge. (The urllib3 transport also sees a first write the socket refused,
    and resends that request; asyncio writes without telling.) It also marks the request
    connected (:attr:`connected`): what failed before that was never sent.
    """

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._served: weakref.WeakSet[object] = weakref.WeakSet()
        # The tasks whose request has a connection to be written to (a task sends one
        # request at a time): what failed before that was never sent.
        self.connected: set[asyncio.Task[Any] | None] = set()
        # One poller for the checks (the loop's thread is the only one to use it): making
        # one for each check cost more than the check itself.
        self._poll = select.poll() if hasattr(select, "poll") else None

    async def connect(
        self, req: ClientRequest, traces: list[Trace], timeout: aiohttp.ClientTimeout
    ) -> Connection:
        while True:
            connection = await super().connect(req, traces, timeout)
            protocol = connection.protocol
            if protocol is None:
                break
            if protocol not in self._served:  # a new connection
                self._served.add(protocol)
                break
            if not self._dropped(protocol):
                break
            connection.close()  # one stale connection fewer in the pool: the loop ends
        self.connected.add(asyncio.current_task())
        return connection

    def _dropped(self, protocol: Any) -> bool:
        """Whether an idle pooled connection is closed or has something to read (urllib3's
        ``is_connection_dropped`` check): either way it cannot carry a request."""
        transport = protocol.transport
        if transport is None or transport.is_closing():
            return True
        sock = transport.get_extra_info("socket")
        if sock is None:
            return False
        poll = self._poll
        if poll is None:  # no poll() on this system
            return wait_for_read(sock, timeout=0.0)
        fd = sock.fileno()
        poll.register(fd, select.POLLIN)
        try:
            return bool(poll.poll(0))
        finally:
            poll.unregister(fd)


class _Session:
    """One aiohttp session in the event loop it was made in, and its requests under way.

    It is closed when that loop shuts its async generators down (``asyncio.run`` does, once
    its tasks are over and before it closes the loop), through :func:`_closed_with_loop`: so
    no connection outlives its loop, even when nobody awaited ``aclose()``.
    """

    __slots__ = ("busy", "client", "connector", "limit", "loop", "watch")

    def __init__(
        self,
        client: aiohttp.ClientSession,
        connector: _Connector,
        loop: asyncio.AbstractEventLoop,
        limit: int,
    ) -> None:
        self.client = client
        self.connector = connector
        self.loop = loop
        self.limit = limit
        self.busy = 0
        self.watch = _closed_with_loop(client)  # the loop keeps only a weak reference
        with contextlib.suppress(StopIteration):
            self.watch.asend(None).send(None)  # to its ``yield``: the loop now knows of it


async def _closed_with_loop(client: aiohttp.ClientSession) -> AsyncGenerator[None, None]:
    """An async generator whose closing, by ``loop.shutdown_asyncgens()``, closes ``client``."""
    try:
        yield
    finally:
        await client.close()


class AiohttpTransport(AsyncBaseTransport):
    """Sends each request with aiohttp over a pool of keep-alive connections; see the module
    docstring. The arguments are those of the urllib3 transport: ``timeout`` the default
    ``(connect, read)`` seconds, ``verify`` ``True`` (system CAs), ``False`` or a CA bundle
    path, ``pool_maxsize`` the connections per host. Unlike urllib3's pool, aiohttp's is also
    a limit: a request beyond it waits for a connection to come free (within its deadline).
    """

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
    ) -> None:
        check_pool_maxsize(pool_maxsize)
        self._origin = base_url.origin
        self._origin_prefix = base_url.origin_prefix
        self.default_timeout = to_timeout(timeout)
        self._routes = ProxyRoutes(proxy, trust_env=trust_env)
        self._proxied = self._routes.any
        self._proxies: dict[tuple[str, str, int | None], Proxy | None] = {}
        own = parse_url(self._origin_prefix)
        self._own_proxy = self._proxy(own.scheme or "http", own.host or "", own.port)
        # Called from here, as the urllib3 transport calls it: its warning's stacklevel then
        # points at the same caller for both.
        options = tls_options(verify)
        self._tls = _tls_context(
            options, verify, environment_trust(verify, trust_env), client_certificate(cert)
        )
        self._limit = pool_maxsize
        self._session: _Session | None = None
        self._last_timeout: Timeout | None = None
        self._last_seconds: tuple[float | None, float | None, float | None] = (None, None, None)

    @property
    def pool_maxsize(self) -> int:
        """How many connections per host the pool keeps open (and at most opens)."""
        return self._limit

    def reserve(self, connections: int) -> None:
        """Allow at least ``connections`` connections per host, so concurrent callers each get one.

        aiohttp's connector cannot grow: the next request opens a new session with the larger
        pool, and the current one is closed once the requests under way on it are over.
        """
        if connections > self._limit:
            self._limit = connections

    async def __call__(self, request: Request) -> Response:
        timeout = request.timeout
        if timeout is DEFAULT_TIMEOUT:
            timeout_obj = self.default_timeout
        elif isinstance(timeout, Timeout):
            timeout_obj = timeout
        else:
            timeout_obj = to_timeout(timeout)
        connect, read, total = self._seconds(timeout_obj)
        deadline = request.call.deadline
        by_deadline = False
        if deadline is not None:
            left = deadline.left()
            if left <= 0:
                raise not_sent(request, deadline)
            if total is None or left < total:
                total, by_deadline = left, True  # the deadline runs on the client's clock
        bounds = aiohttp.ClientTimeout(total=total, sock_connect=connect, sock_read=read)
        given = request.headers
        headers: Iterable[tuple[str, str]] = given.items()
        if "Accept-Encoding" not in given:
            headers = [*headers, ("Accept-Encoding", "identity")]  # as http.client does
        # aiohttp's own Accept and Content-Type go only where the request has none: skipped
        # (a cost on each request) only then.
        skip = (
            None
            if "Accept" in given and (request.body is None or "Content-Type" in given)
            else _NOT_SENT
        )
        try:
            url = self._target(request.url)
        except LocationValueError:
            raise transport_failure("bad_url", request) from None
        proxy = self.proxy_for(request.url) if self._proxied else None
        start = time.perf_counter()
        session = self._session_here()
        task = asyncio.current_task()
        connected = session.connector.connected
        session.busy += 1
        outcome: Answer | Exception
        try:
            if proxy is None:
                outcome = await _exchange(session.client, request, url, headers, bounds, skip)
            else:
                outcome = await _exchange(
                    session.client, request, url, headers, bounds, skip, proxy
                )
                if outcome[0] == 407 and url.scheme == "http":  # the proxy's, not the server's
                    cause = f"the proxy answered 407 {outcome[1] or ''}".strip()
                    outcome = transport_failure("proxy_refused", request, cause, proxy)
        except _FAILURES as exc:
            outcome = _translated(exc, request, task in connected, bounds, by_deadline, proxy)
        except (OverflowError, MemoryError) as exc:  # the answer's framing: a size absurd
            outcome = unreadable_answer(request, exc)
        finally:
            connected.discard(task)
            session.busy -= 1
            if session.busy == 0 and session is not self._session:
                self._retire(session)  # reserve() or aclose() replaced it meanwhile
        return answered(request, outcome, start)

    def _proxy(self, scheme: str, host: str, port: int | None) -> Proxy | None:
        """The proxy of an origin (decided once), or ``None`` to go directly."""
        key = (scheme, host, port)
        try:
            return self._proxies[key]
        except KeyError:
            proxy = self._routes.for_origin(scheme, host, port)
            self._proxies[key] = proxy
            return proxy

    def proxy_for(self, url: str) -> Proxy | None:
        """The proxy a request to ``url`` goes through, or ``None`` (directly)."""
        if url.startswith(self._origin_prefix):
            return self._own_proxy
        parsed = parse_url(url)
        return self._proxy(parsed.scheme or "http", parsed.host or "", parsed.port)

    def _seconds(self, timeout: Timeout) -> tuple[float | None, float | None, float | None]:
        """The connect, read and total seconds of ``timeout`` (the last one is remembered:
        it is nearly always the client's own)."""
        if timeout is self._last_timeout:
            return self._last_seconds
        seconds = (
            Timeout.resolve_default_timeout(timeout.connect_timeout),
            Timeout.resolve_default_timeout(timeout.read_timeout),
            Timeout.resolve_default_timeout(timeout.total),
        )
        self._last_timeout, self._last_seconds = timeout, seconds
        return seconds

    def _target(self, url: str) -> URL:
        """``url`` as aiohttp should send it: percent-encoded as urllib3 would, then unchanged."""
        if url.startswith(self._origin_prefix):
            target = url[len(self._origin) :]
            if PLAIN_TARGET.match(target) is None:
                target = _encode_target(target)
            return URL(self._origin + target, encoded=True)
        parsed = parse_url(url)  # another origin (a link the caller gave)
        return URL(f"{parsed.scheme}://{parsed.netloc}{parsed.request_uri}", encoded=True)

    def _session_here(self) -> _Session:
        """The session of the running event loop, opened now if there is none (or only one of
        another loop, or one smaller than :meth:`reserve` asked for)."""
        loop = asyncio.get_running_loop()
        session = self._session
        if (
            session is not None
            and session.loop is loop
            and session.limit == self._limit
            and not session.client.closed
        ):
            return session
        if session is not None and session.busy == 0:
            self._retire(session)
        connector = _Connector(limit=self._limit, limit_per_host=self._limit, ssl=self._tls)
        client = aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),
            auto_decompress=True,
            raise_for_status=False,
            trust_env=False,
            timeout=aiohttp.ClientTimeout(),  # each request gives its own
            max_line_size=_MAX_LINE,
            max_field_size=_MAX_LINE,
        )
        client._retry_connection = False  # its silent resend of GET, PUT and DELETE (see above)
        self._session = _Session(client, connector, loop, self._limit)
        return self._session

    def _retire(self, session: _Session) -> None:
        """Close ``session``, from its own loop if that loop is running elsewhere."""
        if session.loop is _running_loop() or not session.loop.is_running():
            _close_now(session.client)
            return
        with contextlib.suppress(RuntimeError):  # it closed meanwhile: nothing left to close
            session.loop.call_soon_threadsafe(_close_now, session.client)

    async def aclose(self) -> None:
        """Close the pooled connections; a later request opens new ones.

        Requests under way finish first: their session is closed when the last one is over.
        """
        session, self._session = self._session, None
        if session is None:
            return
        if session.busy == 0 and session.loop is _running_loop():
            await session.client.close()
        elif session.busy == 0:
            self._retire(session)

    def __repr__(self) -> str:
        return f"<AiohttpTransport {self._origin} pool_maxsize={self._limit}>"


async def _exchange(
    client: aiohttp.ClientSession,
    request: Request,
    url: URL,
    headers: Iterable[tuple[str, str]],
    bounds: aiohttp.ClientTimeout,
    skip: frozenset[str] | None,
    proxy: Proxy | None = None,
) -> Answer:
    """One request and its whole answer, through ``proxy`` if given. The connection goes back
    to the pool only after a complete answer; after a failure or a cancellation it is closed."""
    if proxy is None:
        response = await client.request(
            request.method,
            url,
            data=request.body,
            headers=headers,
            timeout=bounds,
            allow_redirects=False,
            skip_auto_headers=skip,
        )
    else:
        tunnel = url.scheme == "https"  # credentials on the CONNECT; else on the request
        if not tunnel and proxy.headers:
            headers = [*headers, *proxy.headers.items()]
        response = await client.request(
            request.method,
            url,
            data=request.body,
            headers=headers,
            timeout=bounds,
            allow_redirects=False,
            skip_auto_headers=skip,
            proxy=URL(proxy.url),
            proxy_headers=(proxy.headers or None) if tunnel else None,
        )
    length = response.content_length
    if length is not None and length > _LONGEST_BODY:
        response.close()
        raise OverflowError(f"Content-Length: {length}")
    try:
        content = await response.read()
    except BaseException:
        response.close()
        raise
    response.release()
    answer_headers = HTTPHeaderDict()
    add = answer_headers.add
    for name, value in response.raw_headers:
        text = value.decode("latin-1")
        add(name.decode("latin-1"), unfolded(text) if "\r" in text else text)
    return response.status, response.reason, answer_headers, content


def _translated(
    exc: BaseException,
    request: Request,
    connected: bool,
    bounds: aiohttp.ClientTimeout,
    by_deadline: bool,
    proxy: Proxy | None = None,
) -> Exception:
    """The client's error for what aiohttp raised: the kind of failure, told to
    :func:`keystone._transport.errors.transport_failure` (which the urllib3 transport's
    errors go through too), with aiohttp's error's type and redacted text as the cause (the
    proxy's password hidden as well)."""
    redactor = request.call.redactor
    if isinstance(exc, (aiohttp.InvalidURL, aiohttp.NonHttpUrlClientError)):
        return transport_failure("bad_url", request)
    cause = redactor.text(_described(exc))
    if proxy is not None:
        cause = proxy.scrub(cause)
    if isinstance(exc, asyncio.TimeoutError):
        what, cause = _timed_out(exc, request, connected, bounds, by_deadline)
        if proxy is not None and what == "connect_timeout":
            what = "proxy_timeout"
    elif isinstance(exc, aiohttp.ClientHttpProxyError):  # the proxy answered the CONNECT
        what = "proxy_refused"
    elif isinstance(exc, aiohttp.ClientProxyConnectionError):
        what = "proxy"
    elif isinstance(exc, aiohttp.ClientSSLError) and _at_proxy(exc, proxy):
        what = "proxy_tls"  # an https:// proxy whose certificate is not trusted
    elif isinstance(exc, aiohttp.ClientSSLError):  # the handshake, the certificate
        what = "tls"
    elif isinstance(exc, aiohttp.ClientConnectorError) or not connected:
        what = "connect"
    elif isinstance(exc, aiohttp.ClientPayloadError) and "content-encoding" in cause.lower():
        what = "other"  # a body that does not decode: what urllib3 reports as a DecodeError
    else:  # closed, reset, cut short or garbled after the request went out
        what = "dropped"
    error = transport_failure(what, request, cause, proxy)
    error.__cause__ = shown_cause(exc, redactor, proxy)
    return error


def _timed_out(
    exc: BaseException,
    request: Request,
    connected: bool,
    bounds: aiohttp.ClientTimeout,
    by_deadline: bool,
) -> tuple[str, str]:
    """The kind of a timeout, and its cause: while connecting (nothing sent) or after (the
    server may have the request), the call's deadline when that is what ran out."""
    deadline = request.call.deadline
    if deadline is not None and (
        deadline.left() <= 0.005
        or (by_deadline and not isinstance(exc, aiohttp.ServerTimeoutError))
    ):
        return ("deadline_read" if connected else "deadline_connect"), ""
    described = _described(exc)
    if not connected:
        limit = bounds.sock_connect if isinstance(exc, aiohttp.ServerTimeoutError) else bounds.total
        return "connect_timeout", request.call.redactor.text(
            f"{described} (connect timeout={limit})"
        )
    which, limit = ("read", bounds.sock_read)
    if not isinstance(exc, aiohttp.ServerTimeoutError):
        which, limit = ("total", bounds.total)
    return "read_timeout", request.call.redactor.text(f"{described} ({which} timeout={limit})")


def _at_proxy(exc: aiohttp.ClientSSLError, proxy: Proxy | None) -> bool:
    """Whether a TLS failure was the proxy's (an ``https://`` proxy), not the server's."""
    if proxy is None or proxy.scheme != "https":
        return False
    return bool(exc.host == proxy.host and exc.port == proxy.port)


def _described(exc: BaseException) -> str:
    """``Type: text`` of an exception, as the urllib3 transport's messages show their cause."""
    kind = type(exc).__name__
    text = " ".join(str(exc).split())  # aiohttp's may span lines
    return f"{kind}: {text}" if text and text != kind else kind


def _tls_context(
    options: dict[str, Any],
    verify: bool | str,
    trust: EnvironmentTrust | None,
    certificate: ClientCertificate | None,
) -> ssl.SSLContext | bool:
    """What aiohttp's connector takes for ``verify`` (checked by ``tls_options``, whose
    ``options`` are urllib3's), the environment's CAs (``trust``) and the client's
    certificate. A CA bundle is loaded now, so a bad one is refused at once."""
    if options["cert_reqs"] == "CERT_NONE":
        if certificate is None:
            return False  # aiohttp's context that verifies nothing
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        certificate.load_into(context)
        return context
    cafile, capath = options.get("ca_certs"), options.get("ca_cert_dir")
    given = f"verify={verify!r}"
    if trust is not None and trust.without_env:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        load_system_cas_without_env(context)
    else:
        if trust is not None:
            cafile, capath, given = trust.cafile, trust.capath, trust.source
        if cafile is None and capath is None and certificate is None:
            return True  # aiohttp's verifying context, on the system's CAs
        try:
            context = ssl.create_default_context(cafile=cafile, capath=capath)
        except (ssl.SSLError, OSError) as exc:
            raise ValueError(
                f"{given}: the CA bundle could not be loaded ({exc}); give a "
                "file of PEM certificates, True (system CAs) or False (no verification)"
            ) from None
    if certificate is not None:
        certificate.load_into(context)
    return context


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _close_now(client: aiohttp.ClientSession) -> None:
    """Close a session without awaiting it (from outside its loop, or its loop closed).

    ``ClientSession.close()`` closes every connection before it first waits (only for the
    sockets to report themselves closed, which they do by themselves), so it is run to that
    first wait and left there. With its loop closed, it marks the connector closed (so that no
    "Unclosed" error is logged when it is collected) and the sockets are freed with it.
    """
    closing = client.close()
    try:
        closing.send(None)
    except StopIteration:
        return
    closing.close()
