"""The auth layer: runs the strategy's flow for each request to the client's own origin.

Credentials go only to the client's own origin: every credential header (``Authorization``,
``Cookie``, ``X-CSRFToken``, API-key headers...) is removed from a request to any other origin.
A request the caller gave its own ``Authorization`` header is left alone. Requests the flow
adds (a renewal) are completed here, as the layers above would have done for a call: an
absolute URL, JSON body bytes, the call's headers, timeout, deadline and retry policy; what
they wait for the throttle counts as the call's.
"""

from __future__ import annotations

from keystone._layers.json import encode_json
from keystone._pipeline import Handler
from keystone._redaction import SECRET_HEADERS
from keystone._request import Request
from keystone._response import Response
from keystone._urls import BaseURL
from keystone.auth._base import AuthStrategy, run_flow

#: What never leaves the client's own origin.
CREDENTIAL_HEADERS = SECRET_HEADERS
#: What a request the flow adds does not take over from the call it serves.
_NOT_COPIED = CREDENTIAL_HEADERS | {"content-type", "content-length"}


class AuthMiddleware:
    """Delegates to an :class:`~keystone.AuthStrategy`; see the module docstring."""

    name = "auth"

    def __init__(self, strategy: AuthStrategy, base_url: BaseURL) -> None:
        self.strategy = strategy
        self._base_url = base_url

    def __call__(self, request: Request, call_next: Handler) -> Response:
        headers = request.headers
        if not self._base_url.is_own_origin(request.url):
            for name in [n for n in headers if n.lower() in CREDENTIAL_HEADERS]:
                del headers[name]
            return call_next(request)
        if "Authorization" in headers and not request.call.credentials_attached:
            return call_next(request)  # the caller's own credentials

        def send(outgoing: Request) -> Response:
            if outgoing is request:
                return call_next(request)
            added = self._complete(outgoing, request)
            try:
                return call_next(added)
            finally:  # its throttle waits are the call's: they count toward the same bound
                request.call.throttle_waited = added.call.throttle_waited

        response = run_flow(self.strategy.auth_flow(request), send)
        if response is None:
            raise RuntimeError(f"{type(self.strategy).__name__}.auth_flow yielded no request")
        return response

    def _complete(self, added: Request, call: Request) -> Request:
        added.url = self._base_url.join(added.url)
        encode_json(added)
        for name, value in call.headers.items():
            if name.lower() not in _NOT_COPIED:
                added.headers.setdefault(name, value)
        added.timeout = call.timeout
        added.call.deadline = call.call.deadline
        added.call.redactor = call.call.redactor
        added.call.retry = call.call.retry
        added.call.throttle_waited = call.call.throttle_waited
        return added
