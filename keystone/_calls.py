"""Building a call: ``request()`` and the ``requests``-style verbs ``http_get`` and the rest.

Every argument is checked before anything is sent, with an error that names the bad value:
here the method, the endpoint and the body (``data``/``json``, sent as JSON); in the client's
core, which builds the request (:meth:`keystone._core.Core.build`), the query (encoded now,
lists comma-joined), the headers (case-insensitive, no injection), the timeout (the client's
unless the call gives one) and the retry policy. The request then goes to the chain.
The verbs keep the seed client's positional order (``endpoint, params/data, timeout``) so
existing scripts run unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from keystone._core import Core, UsesCore
from keystone._operations.files import multipart
from keystone._plans import described_by
from keystone._request import CallState, Params, Request
from keystone._response import Response
from keystone._retry_policy import RetryPolicy
from keystone._timeouts import DEFAULT_TIMEOUT, TimeoutLike

#: An HTTP method is an RFC 9110 token.
_METHOD = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")


def _body_of(
    data: Any, json: Any, files: Mapping[str, Any] | None, what: str
) -> tuple[Any, bytes | None, str | None]:
    """Split the ``data``/``json``/``files`` arguments into a JSON value or raw bytes, and the
    ``Content-Type`` the bytes need (``multipart/form-data`` when ``files`` are given)."""
    if data is not None and json is not None:
        raise ValueError("give either data= or json=, not both (both are sent as JSON)")
    value = json if json is not None else data
    if files is not None:
        return (None, *_form(value, files, what))
    if value is None:
        return None, None, None
    if isinstance(value, bytes):
        return None, value, None
    if isinstance(value, str):
        return None, value.encode("utf-8"), None
    return value, None, None


def _form(fields: Any, files: Mapping[str, Any], what: str) -> tuple[bytes, str]:
    """``fields`` (a mapping, or ``None``) and ``files`` as one ``multipart/form-data`` body
    (the files read now, so that a retry sends the same bytes), and its ``Content-Type``."""
    if not isinstance(files, Mapping) or not files:
        raise TypeError(
            f"{what}: files= must be a mapping of field names to files, such as "
            f"{{'file': open('proposal.pdf', 'rb')}}, not {files!r}"
        )
    if fields is None:
        fields = {}
    if not isinstance(fields, Mapping):
        raise TypeError(
            f"{what}: with files=, the other fields (data= or json=) go as form fields and "
            f"must be a mapping, not {type(fields).__name__}"
        )
    both = sorted(set(fields) & set(files))
    if both:
        raise ValueError(f"{what}: {', '.join(map(repr, both))} given in both files= and data=")
    return multipart({**fields, **files}, tuple(files), what)


def _with_body(
    data: Any,
    json: Any,
    files: Mapping[str, Any] | None,
    params: Params | None,
    headers: Mapping[str, str] | None,
    timeout: TimeoutLike,
    retry: RetryPolicy | None,
) -> dict[str, Any]:
    """The keyword arguments of ``request()`` for a verb that sends a body."""
    return {
        "data": data,
        "json": json,
        "files": files,
        "params": params,
        "headers": headers,
        "timeout": timeout,
        "retry": retry,
    }


def built(
    core: Core,
    method: str,
    endpoint: str,
    *,
    params: Params | None = None,
    data: Any = None,
    json: Any = None,
    files: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: TimeoutLike = DEFAULT_TIMEOUT,
    context: dict[str, Any] | None = None,
    retry: RetryPolicy | None = None,
    idempotent: bool | None = None,
    call: CallState | None = None,
) -> Request:
    """The request of a call of ``request()`` (either client's), every argument checked
    (naming the bad value) and the request built; nothing is sent. The arguments are those
    of :meth:`Calls.request`."""
    if not isinstance(method, str) or not _METHOD.match(method):
        raise ValueError(f"method {method!r} is not an HTTP method such as 'GET' or 'POST'")
    if not isinstance(endpoint, str):
        raise TypeError(
            f"endpoint must be a str path such as 'allocations/clusters/', not {endpoint!r}"
        )
    if idempotent is not None and not isinstance(idempotent, bool):
        raise TypeError(f"idempotent={idempotent!r} must be True, False or None")
    if context is not None and not isinstance(context, dict):
        raise TypeError(f"context must be a dict for your middleware, not {context!r}")
    method = method.upper()
    what = f"{method} {endpoint}" if files is not None else ""  # for files= messages
    json_value, body, content_type = _body_of(data, json, files, what)
    if content_type is not None:
        if headers and any(name.lower() == "content-type" for name in headers):
            raise ValueError(
                f"{method} {endpoint}: with files= the body is multipart/form-data, whose "
                "Content-Type names its boundary: leave Content-Type out of headers="
            )
        headers = {**(headers or {}), "Content-Type": content_type}
    state = call if call is not None else CallState()
    made = core.begin(method, timeout, state.retry if retry is None else retry)
    if idempotent is not None:
        state.idempotent = idempotent
    extra = dict(context) if context else None
    return core.build(made, method, endpoint, params, json_value, body, headers, state, extra)


class Calls(UsesCore):
    """``request()`` and ``http_get/post/put/patch/delete``; 4xx/5xx raise ``HTTPError``."""

    def request(
        self,
        method: str,
        endpoint: str,
        *,
        params: Params | None = None,
        data: Any = None,
        json: Any = None,
        files: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: TimeoutLike = DEFAULT_TIMEOUT,
        context: dict[str, Any] | None = None,
        retry: RetryPolicy | None = None,
        idempotent: bool | None = None,
        call: CallState | None = None,
    ) -> Response:
        """Send one request through the chain and return the response.

        ``endpoint`` is a path under the API root (``"allocations/clusters/1"``). ``data`` or
        ``json`` (dict, list, ...) is sent as JSON; ``bytes``/``str`` are sent as they are.
        ``files`` (``{"file": open("report.pdf", "rb")}``; a value may also be a
        ``pathlib.Path`` or a ``(filename, bytes[, content_type])`` tuple) sends a
        ``multipart/form-data`` body instead, with the fields of ``data``/``json`` as its text
        parts, as the resource methods send a record with files. ``context`` is copied into
        the request for your middleware; ``retry`` is this call's policy; ``idempotent=True``
        lets a POST be retried like a GET (for requests harmless to
        repeat). Raises a :class:`~keystone.HTTPError` subclass for 4xx/5xx.
        """
        core = self._core
        return core.handler(
            built(
                core,
                method,
                endpoint,
                params=params,
                data=data,
                json=json,
                files=files,
                headers=headers,
                timeout=timeout,
                context=context,
                retry=retry,
                idempotent=idempotent,
                call=call,
            )
        )

    def http_get(
        self,
        endpoint: str,
        params: Params | None = None,
        timeout: TimeoutLike = DEFAULT_TIMEOUT,
        *,
        headers: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
    ) -> Response:
        """GET ``endpoint`` with optional query ``params``; lists are sent comma-joined."""
        return self.request(
            "GET", endpoint, params=params, headers=headers, timeout=timeout, retry=retry
        )

    def http_post(
        self,
        endpoint: str,
        data: Any = None,
        timeout: TimeoutLike = DEFAULT_TIMEOUT,
        *,
        json: Any = None,
        files: Mapping[str, Any] | None = None,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
    ) -> Response:
        """POST ``data`` (sent as JSON, unlike ``requests`` where ``data=`` is a form); with
        ``files=``, a ``multipart/form-data`` form of both (see :meth:`request`)."""
        return self.request(
            "POST", endpoint, **_with_body(data, json, files, params, headers, timeout, retry)
        )

    def http_put(
        self,
        endpoint: str,
        data: Any = None,
        timeout: TimeoutLike = DEFAULT_TIMEOUT,
        *,
        json: Any = None,
        files: Mapping[str, Any] | None = None,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
    ) -> Response:
        """PUT ``data`` as JSON: replaces the whole record (``files=``: see :meth:`request`)."""
        return self.request(
            "PUT", endpoint, **_with_body(data, json, files, params, headers, timeout, retry)
        )

    def http_patch(
        self,
        endpoint: str,
        data: Any = None,
        timeout: TimeoutLike = DEFAULT_TIMEOUT,
        *,
        json: Any = None,
        files: Mapping[str, Any] | None = None,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
    ) -> Response:
        """PATCH ``data`` as JSON: changes only the given fields (``files=``: see
        :meth:`request`)."""
        return self.request(
            "PATCH", endpoint, **_with_body(data, json, files, params, headers, timeout, retry)
        )

    def http_delete(
        self,
        endpoint: str,
        timeout: TimeoutLike = DEFAULT_TIMEOUT,
        *,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
    ) -> Response:
        """DELETE ``endpoint``; Keystone answers 204 with an empty body."""
        return self.request(
            "DELETE", endpoint, params=params, headers=headers, timeout=timeout, retry=retry
        )


class AsyncCalls(UsesCore):
    """:class:`Calls` for :class:`~keystone.AsyncKeystoneClient`: the same requests, awaited."""

    @described_by(Calls.request)
    async def request(
        self,
        method: str,
        endpoint: str,
        *,
        params: Params | None = None,
        data: Any = None,
        json: Any = None,
        files: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: TimeoutLike = DEFAULT_TIMEOUT,
        context: dict[str, Any] | None = None,
        retry: RetryPolicy | None = None,
        idempotent: bool | None = None,
        call: CallState | None = None,
    ) -> Response:
        core = self._core
        return await core.ahandler(
            built(
                core,
                method,
                endpoint,
                params=params,
                data=data,
                json=json,
                files=files,
                headers=headers,
                timeout=timeout,
                context=context,
                retry=retry,
                idempotent=idempotent,
                call=call,
            )
        )

    @described_by(Calls.http_get)
    async def http_get(
        self,
        endpoint: str,
        params: Params | None = None,
        timeout: TimeoutLike = DEFAULT_TIMEOUT,
        *,
        headers: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
    ) -> Response:
        return await self.request(
            "GET", endpoint, params=params, headers=headers, timeout=timeout, retry=retry
        )

    @described_by(Calls.http_post)
    async def http_post(
        self,
        endpoint: str,
        data: Any = None,
        timeout: TimeoutLike = DEFAULT_TIMEOUT,
        *,
        json: Any = None,
        files: Mapping[str, Any] | None = None,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
    ) -> Response:
        return await self.request(
            "POST", endpoint, **_with_body(data, json, files, params, headers, timeout, retry)
        )

    @described_by(Calls.http_put)
    async def http_put(
        self,
        endpoint: str,
        data: Any = None,
        timeout: TimeoutLike = DEFAULT_TIMEOUT,
        *,
        json: Any = None,
        files: Mapping[str, Any] | None = None,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
    ) -> Response:
        return await self.request(
            "PUT", endpoint, **_with_body(data, json, files, params, headers, timeout, retry)
        )

    @described_by(Calls.http_patch)
    async def http_patch(
        self,
        endpoint: str,
        data: Any = None,
        timeout: TimeoutLike = DEFAULT_TIMEOUT,
        *,
        json: Any = None,
        files: Mapping[str, Any] | None = None,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
    ) -> Response:
        return await self.request(
            "PATCH", endpoint, **_with_body(data, json, files, params, headers, timeout, retry)
        )

    @described_by(Calls.http_delete)
    async def http_delete(
        self,
        endpoint: str,
        timeout: TimeoutLike = DEFAULT_TIMEOUT,
        *,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
    ) -> Response:
        return await self.request(
            "DELETE", endpoint, params=params, headers=headers, timeout=timeout, retry=retry
        )
