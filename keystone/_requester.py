"""What the client's mixins (verbs, resource methods) need from the client: its root, ``request``.

One protocol, so the verbs, the resource operations and the client agree on one signature.
The mixins derive from it only for type checkers (at run time they derive from ``object``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from keystone._request import CallState, Params
from keystone._timeouts import CallDeadline, TimeoutLike

if TYPE_CHECKING:
    from keystone._redaction import Redactor
    from keystone._response import Response
    from keystone._retry.policy import RetryPolicy
    from keystone._servers import Server
    from keystone._transport.base import BaseTransport
    from keystone._urls import BaseURL


class Requester(Protocol):
    """A client: its API root, its server's release and its ``request`` method."""

    _base_url: BaseURL
    _redactor: Redactor
    _check_filters: bool
    _check_fields: bool
    _transport: BaseTransport

    @property
    def url(self) -> str: ...

    @property
    def server(self) -> Server: ...

    def _server_for(
        self,
        call: str,
        timeout: TimeoutLike,
        deadline: CallDeadline | None,
        retry: RetryPolicy | None = None,
    ) -> Server: ...

    def _start_deadline(self, retry: RetryPolicy | None = None) -> CallDeadline | None: ...

    def request(
        self,
        method: str,
        endpoint: str,
        *,
        params: Params | None = ...,
        data: Any = ...,
        json: Any = ...,
        headers: Mapping[str, str] | None = ...,
        timeout: TimeoutLike = ...,
        context: dict[str, Any] | None = ...,
        retry: RetryPolicy | None = ...,
        idempotent: bool | None = ...,
        call: CallState | None = ...,
    ) -> Response: ...


if TYPE_CHECKING:
    RequesterBase = Requester
else:
    RequesterBase = object
