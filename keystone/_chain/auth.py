"""The auth layer: runs the strategy's flow for each request to the client's own origin.

Credentials go only to the client's own origin: every credential header (``Authorization``,
``Cookie``, ``X-CSRFToken``, API-key headers...) is removed from a request to any other origin.
A request the caller gave its own ``Authorization`` header is left alone. Requests the flow
adds (a renewal) are completed here, as the layers above would have done for a call: an
absolute URL, JSON body bytes, the call's headers, timeout, deadline and retry policy; what
they wait for the throttle counts as the call's.
"""

from __future__ import annotations

from keystone._chain.json import encode_json
from keystone._locks import TaskLock
from keystone._pipeline import Layer
from keystone._redaction import SECRET_HEADERS
from keystone._request import Request, finish
from keystone._response import Response
from keystone._urls import BaseURL
from keystone.auth._base import AuthStrategy, advance

#: What never leaves the client's own origin.
CREDENTIAL_HEADERS = SECRET_HEADERS
#: What a request the flow adds does not take over from the call it serves.
_NOT_COPIED = CREDENTIAL_HEADERS | {"content-type", "content-length"}


class AuthMiddleware(Layer):
    """Delegates to an :class:`~keystone.AuthStrategy`; see the module docstring."""

    name = "auth"

    def __init__(self, strategy: AuthStrategy, base_url: BaseURL) -> None:
        self.strategy = strategy
        self._base_url = base_url
        self._flow_lock = TaskLock()  # an async chain's (see handle_async)

    def handle(self, request: Request) -> Response:
        if not self._attaches(request):
            return self.call_next(request)
        flow = self.strategy.auth_flow(request)
        response: Response | None = None
        try:  # the driver of the flow, inline: the request's way down stays one frame here
            outgoing = advance(flow, None)
            while outgoing is not None:
                try:
                    if outgoing is request:
                        response = self.call_next(request)
                    else:
                        response = self._send_added(outgoing, request)
                except BaseException as error:
                    outgoing = advance(flow, error)
                    continue
                outgoing = advance(flow, response)
        finally:
            flow.close()
        return self._last(response)

    async def handle_async(self, request: Request) -> Response:
        """The flow in a task. A flow holds the strategy's (thread) lock while a renewal it
        yielded is on its way; another task stepping its own flow then would block the loop.
        So each task steps its flow under the strategy's task lock, and a task whose flow
        added a request keeps that lock until the flow is past it: the other tasks wait for
        the renewal, as threads do."""
        if not self._attaches(request):
            return await self.acall_next(request)
        # A login's or logout's request is never renewed: it does not wait for a renewal in
        # flight (in the sync client it passes the renewal's lock; see JWTAuth._renew).
        lock = self._flow_lock if request.call.kind == "api" else TaskLock()
        flow = self.strategy.auth_flow(request)
        response: Response | None = None
        held = False
        try:
            if not lock.try_acquire():
                await lock.acquire()
            held = True
            outgoing = advance(flow, None)
            while outgoing is not None:
                try:
                    if outgoing is request:
                        if held:
                            lock.release()
                            held = False
                        response = await self.acall_next(request)
                    else:
                        response = await self._send_added_async(outgoing, request)
                except BaseException as error:
                    if not held:
                        if not lock.try_acquire():
                            await lock.acquire()
                        held = True
                    outgoing = advance(flow, error)
                    continue
                if not held:
                    if not lock.try_acquire():
                        await lock.acquire()
                    held = True
                outgoing = advance(flow, response)
        finally:
            flow.close()
            if held:
                lock.release()
        return self._last(response)

    def _attaches(self, request: Request) -> bool:
        """Whether the strategy puts its credentials on ``request``: not to another origin
        (every credential header is removed from it), nor when the caller gave its own."""
        headers = request.headers
        if not self._base_url.is_own_origin(request.url):
            for name in [n for n in headers if n.lower() in CREDENTIAL_HEADERS]:
                del headers[name]
            return False
        return "Authorization" not in headers or request.call.credentials_attached

    def _last(self, response: Response | None) -> Response:
        if response is None:
            raise RuntimeError(f"{type(self.strategy).__name__}.auth_flow yielded no request")
        return response

    def _send_added(self, added: Request, request: Request) -> Response:
        """Send a request the flow added for ``request`` (a renewal), completed as the layers
        above would have done for a call: an absolute URL, JSON body bytes, and the call's
        headers, timeout, deadline and retry policy."""
        self._complete(added, request)
        try:
            return self.call_next(added)
        finally:  # its throttle waits are the call's: they count toward the same bound
            request.call.throttle_waited = added.call.throttle_waited

    async def _send_added_async(self, added: Request, request: Request) -> Response:
        self._complete(added, request)
        try:
            return await self.acall_next(added)
        finally:
            request.call.throttle_waited = added.call.throttle_waited

    def _complete(self, added: Request, request: Request) -> None:
        added.url = self._base_url.join(added.url)
        encode_json(added)
        call = request.call
        kept = [(n, v) for n, v in request.headers.items() if n.lower() not in _NOT_COPIED]
        finish(added, kept, request.timeout, call.redactor, call.deadline, call.retry)
        added.call.throttle_waited = call.throttle_waited
