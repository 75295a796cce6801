"""The client's core: what one client owns, and the one place a request is built.

:class:`Core` owns the transport, the chain composed over it, the auth strategy, what the
client knows of its server, its clock and its defaults (headers, timeout, retry policy,
redaction, the checks of filters and fields). The facade (:class:`~keystone.KeystoneClient`),
the resource operations and the readers use it through :class:`Call` and a few methods, never
through each other's attributes, and nothing reaches around the chain.

Every call starts with :meth:`Core.begin`: its timeout and retry policy are checked once and
its deadline starts, on the client's clock. Every request of the call (finding out the server
first, if the call has to; every page of a list) is built by :meth:`Core.build` from what the
caller gives (method, URL, query, body, headers) and the call, with the client's defaults
resolved there, whatever the transport; requests a login or logout flow yields are completed
by :meth:`Core.prepare` with the same defaults (a renewal the auth layer adds takes those of
the call it serves).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from urllib3.util import Timeout

from keystone._chain.backoff import BackoffMiddleware
from keystone._chain.chain import chain_layers
from keystone._chain.placement import MiddlewareItem
from keystone._clock import Clock
from keystone._detection import detection_flow
from keystone._errors import KeystoneError, shown_url
from keystone._headers import Headers
from keystone._locks import ForkSafeLock, TaskLock
from keystone._pipeline import (
    AsyncHandler,
    Handler,
    Middleware,
    acompose,
    compose,
)
from keystone._plans import FindServer, Plan, arun, run
from keystone._query import checked_query
from keystone._redaction import Redactor
from keystone._request import CallState, Params, Request, finish
from keystone._response import Response
from keystone._retry_policy import RetryPolicy, given_policy
from keystone._servers import Server
from keystone._throttle import Throttle
from keystone._timeouts import DEFAULT_TIMEOUT, CallDeadline, TimeoutLike, to_timeout
from keystone._transport.base import AsyncBaseTransport, BaseTransport, sends_async
from keystone._urls import BaseURL
from keystone.auth._base import AuthStrategy


class Call:
    """One call of the application's, from the moment it is made: its name (for messages),
    its timeout (a urllib3 ``Timeout``), its retry policy (``None``: the batch's, else the
    client's) and its deadline, shared by every request it makes."""

    __slots__ = ("core", "deadline", "name", "retry", "timeout")

    def __init__(
        self, core: Core, name: str, timeout: TimeoutLike = DEFAULT_TIMEOUT, retry: object = None
    ) -> None:
        self.core = core
        self.name = name
        self.timeout: Timeout = core.timeout if timeout is DEFAULT_TIMEOUT else to_timeout(timeout)
        self.retry: RetryPolicy | None = given_policy(retry)
        seconds = core.backoff.policy_for(self.retry).deadline
        self.deadline = None if seconds is None else CallDeadline(seconds, core.clock)

    def server(self) -> Plan[Server]:
        """The server's release, found out within this call's limits if it is not known yet
        (a plan: ``server = yield from call.server()``)."""
        server = self.core.server
        if server is None:
            server = yield FindServer(self)
        return server

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Params | None = None,
        json: Any = None,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        state: CallState | None = None,
    ) -> Request:
        """A request of this call, for a plan to yield (see :meth:`Core.build`)."""
        return self.core.build(self, method, url, params, json, data, headers, state)


class Core:
    """What one client owns; see the module docstring."""

    def __init__(
        self,
        base_url: BaseURL,
        *,
        headers: Headers,
        timeout: Timeout,
        transport: BaseTransport | AsyncBaseTransport,
        auth: AuthStrategy,
        retry: RetryPolicy | None,
        clock: Clock,
        throttle: Throttle,
        redactor: Redactor,
        middleware: Sequence[MiddlewareItem],
        check_filters: bool,
        check_fields: bool,
        server: Server | None,
        asynchronous: bool = False,
    ) -> None:
        self.base_url = base_url
        self.headers = headers
        self.timeout = timeout
        self.transport = transport
        self.auth = auth
        self.clock = clock
        self.throttle = throttle
        self.redactor = redactor
        self.check_filters = check_filters
        self.check_fields = check_fields
        self.backoff = BackoffMiddleware(retry, clock=clock)
        self.layers: list[Middleware] = chain_layers(
            middleware,
            base_url=base_url,
            redactor=redactor,
            backoff=self.backoff,
            auth=auth,
            throttle=throttle,
            clock=clock,
        )
        self.handler: Handler = _refused
        self.ahandler: AsyncHandler = _arefused
        if asynchronous:
            self.ahandler = acompose(self.layers, sends_async(transport))
        elif isinstance(transport, AsyncBaseTransport):
            raise TypeError(
                f"transport={transport!r} is async: give it to AsyncKeystoneClient, or give "
                "KeystoneClient a BaseTransport"
            )
        else:
            self.handler = compose(self.layers, transport)
        self.server: Server | None = None
        self.version: str | None = None
        self._server_lock = ForkSafeLock()
        self._version_lock = ForkSafeLock()
        self._server_task_lock = TaskLock()  # the async client's
        self._version_task_lock = TaskLock()
        if server is not None:
            self.set_server(server)

    # -- calls and their requests ---------------------------------------------------------------

    def begin(
        self, name: str, timeout: TimeoutLike = DEFAULT_TIMEOUT, retry: object = None
    ) -> Call:
        """A call starting now (``timeout`` and ``retry`` checked, naming the bad value)."""
        return Call(self, name, timeout, retry)

    def build(
        self,
        call: Call,
        method: str,
        url: str,
        params: Params | None = None,
        json: Any = None,
        data: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        state: CallState | None = None,
        context: dict[str, Any] | None = None,
    ) -> Request:
        """The request of ``call`` for ``method`` and ``url`` (an endpoint under the API root,
        or an absolute URL of it): the client's headers under ``headers``, the query encoded
        now (a bad value raises here, before anything is sent), ``json`` (a value) or ``data``
        (bytes) as the body, the call's timeout, deadline and retry policy on its state."""
        request_headers = self.headers.copy()
        if headers:
            request_headers.update(Headers(headers))
        query = None if params is None else checked_query(params, f"{method} {url}")
        state = state if state is not None else CallState()
        state.redactor = self.redactor
        if state.deadline is None:  # else the caller's own CallState gave it
            state.deadline = call.deadline
        if call.retry is not None:
            state.retry = call.retry
        return Request(
            method,
            url,
            headers=request_headers,
            params=query,
            json=json,
            body=data,
            timeout=call.timeout,
            context=context,
            call=state,
        )

    def prepare(self, request: Request, call: Call) -> Request:
        """``request`` (one a login or logout flow yields) completed as :meth:`build` would."""
        return finish(
            request, self.headers.items(), call.timeout, self.redactor, call.deadline, call.retry
        )

    def reserve(self, connections: int) -> None:
        """Keep ``connections`` connections to the server open for reuse (many threads)."""
        self.transport.reserve(connections)

    # -- the server -----------------------------------------------------------------------------

    def server_for(self, call: Call) -> Server:
        """The server, found out once (``GET version/`` and, where that says too little, a few
        more requests: :mod:`keystone._detection`) as part of ``call``, within its limits."""
        with self._server_lock:
            if self.server is None:
                self.set_server(run(self, self._detect(call)))
        assert self.server is not None
        return self.server

    async def aserver_for(self, call: Call) -> Server:
        """:meth:`server_for` in a task; the tasks that need it meanwhile wait for it."""
        async with self._server_task_lock:
            if self.server is None:
                self.set_server(await arun(self, self._detect(call)))
        assert self.server is not None
        return self.server

    def _detect(self, call: Call) -> Plan[Server]:
        url = self.base_url.url
        flow = detection_flow(url)
        try:
            probe = next(flow)
            while True:
                answer = yield call.request(probe.method, probe.url, state=probe.call)
                probe = flow.send(answer)
        except StopIteration as done:
            found: Server = done.value
            return found
        except KeystoneError as error:
            raise _undetected(error, call.name, url) from error.__cause__
        finally:
            flow.close()

    def set_server(self, server: Server) -> None:
        """Take ``server`` as the server's release (given, or found out)."""
        self.auth.use_server(server)
        self.server = server
        if server.release is not None and self.version is None:
            self.version = server.release

    def api_version(self) -> str:
        """The server's version string (``GET version/``), fetched once by one thread."""
        if self.version is None:
            with self._version_lock:
                if self.version is None:
                    self.version = run(self, self._fetch_version())
        return self.version

    async def aapi_version(self) -> str:
        """:meth:`api_version` in a task; the tasks that need it meanwhile wait for it."""
        if self.version is None:
            async with self._version_task_lock:
                if self.version is None:
                    self.version = await arun(self, self._fetch_version())
        return self.version

    def _fetch_version(self) -> Plan[str]:
        response = yield self.begin("api_version").request("GET", "version")
        text: str = response.text.strip()
        return text


def _refused(request: Request) -> Response:
    raise TypeError("this is the core of an AsyncKeystoneClient: await its methods")


async def _arefused(request: Request) -> Response:
    raise TypeError("this is the core of a KeystoneClient: an AsyncKeystoneClient sends async")


def _undetected(error: KeystoneError, call: str, url: str) -> KeystoneError:
    """``error``, saying that it stopped ``call`` while finding out which Keystone it talks to."""
    message = (error.args[0] if error.args else str(error)).rstrip()
    message = message if message.endswith((".", "!", "?")) else f"{message}."
    error.args = (
        f"{call}: the client could not find out which Keystone release the server at "
        f"{shown_url(url)} is, so it sent nothing else: {message} If the URL is right, give "
        "the release to skip finding it out: KeystoneClient(url, server='0.10.9').",
        *error.args[1:],
    )
    return error


class UsesCore:
    """The base of the client's parts (verbs, account, readers, resource methods, bulk work):
    the one attribute they share is the client's :class:`Core`."""

    __slots__ = ()
    _core: Core
