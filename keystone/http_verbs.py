"""The ``requests``-style verbs of the client: ``http_get``, ``http_post`` and the rest.

Each is a thin, typed front for :meth:`KeystoneClient.request`; they keep the seed client's
positional order (``endpoint, params/data, timeout``) so existing scripts run unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from keystone.request import DEFAULT_TIMEOUT, Params, TimeoutLike
from keystone.requester import RequesterBase
from keystone.response import Response
from keystone.retry_policy import RetryPolicy


class HTTPVerbs(RequesterBase):
    """``http_get/post/put/patch/delete``; 4xx/5xx raise :class:`~keystone.errors.HTTPError`."""

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
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
    ) -> Response:
        """POST ``data`` (sent as JSON, unlike ``requests`` where ``data=`` is a form)."""
        return self.request(
            "POST",
            endpoint,
            data=data,
            json=json,
            params=params,
            headers=headers,
            timeout=timeout,
            retry=retry,
        )

    def http_put(
        self,
        endpoint: str,
        data: Any = None,
        timeout: TimeoutLike = DEFAULT_TIMEOUT,
        *,
        json: Any = None,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
    ) -> Response:
        """PUT ``data`` as JSON: replaces the whole record."""
        return self.request(
            "PUT",
            endpoint,
            data=data,
            json=json,
            params=params,
            headers=headers,
            timeout=timeout,
            retry=retry,
        )

    def http_patch(
        self,
        endpoint: str,
        data: Any = None,
        timeout: TimeoutLike = DEFAULT_TIMEOUT,
        *,
        json: Any = None,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
    ) -> Response:
        """PATCH ``data`` as JSON: changes only the given fields."""
        return self.request(
            "PATCH",
            endpoint,
            data=data,
            json=json,
            params=params,
            headers=headers,
            timeout=timeout,
            retry=retry,
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
