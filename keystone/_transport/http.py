"""The urllib3 transport: the only module that talks to urllib3.

One ``PoolManager`` per client, thread-safe. urllib3's own retries and redirects are off: its
default ``Retry`` sleeps for ``Retry-After`` by itself (60 s on a throttled Keystone) and
following a 301 turns a POST into a GET without body. Retrying is the backoff layer's job.
Requests to the client's own origin go straight to that origin's connection pool, skipping the
URL parsing and pool lookup of ``PoolManager.urlopen``. A request whose call deadline has
passed is not sent; one in progress is cut short when it passes (see ``wire_response``).
"""

from __future__ import annotations

import datetime
import os
import time
import warnings
from typing import Any

import urllib3
from urllib3 import exceptions as u3
from urllib3.util import Retry, Timeout

from keystone._errors import DeadlineExceededError, shown_url
from keystone._request import Request
from keystone._response import Response
from keystone._timeouts import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_READ_TIMEOUT,
    DEFAULT_TIMEOUT,
    CallDeadline,
    TimeoutLike,
    to_timeout,
)
from keystone._transport.base import BaseTransport
from keystone._transport.connections import POOL_CLASSES, nothing_sent
from keystone._transport.errors import shown_cause, translate_error, unreadable_answer
from keystone._transport.wire_response import end_read_deadline, read_deadline
from keystone._urls import BaseURL

_NO_RETRIES = Retry(total=False, redirect=False, raise_on_redirect=False, raise_on_status=False)


class InsecureConnectionWarning(UserWarning):
    """TLS certificate verification was turned off for a client."""


def _tls_options(verify: bool | str) -> dict[str, Any]:
    if verify is True:
        return {"cert_reqs": "CERT_REQUIRED"}
    if verify is False:
        warnings.warn(
            "TLS certificate verification is off for this Keystone client: anyone on the "
            "network path can read or alter its traffic, tokens included. Pass verify=True "
            "or the path of a CA bundle instead.",
            InsecureConnectionWarning,
            stacklevel=4,
        )
        return {"cert_reqs": "CERT_NONE"}
    if isinstance(verify, (str, os.PathLike)):
        path = os.fspath(verify)
        if os.path.isdir(path):
            return {"cert_reqs": "CERT_REQUIRED", "ca_cert_dir": path}
        if os.path.isfile(path):
            return {"cert_reqs": "CERT_REQUIRED", "ca_certs": path}
        raise ValueError(
            f"verify={verify!r} is neither a CA bundle file nor a directory of certificates; "
            "give an existing path, True (system CAs) or False (no verification)"
        )
    raise TypeError(f"verify must be True, False or a CA bundle path, not {verify!r}")


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
        if isinstance(pool_maxsize, bool) or not isinstance(pool_maxsize, int) or pool_maxsize < 1:
            raise ValueError(
                f"pool_maxsize={pool_maxsize!r} must be a positive whole number of connections"
            )
        self._origin = base_url.origin
        self._origin_prefix = base_url.origin_prefix
        self.default_timeout = to_timeout(timeout)
        self._pool_options: dict[str, Any] = {
            "num_pools": 10,
            "maxsize": pool_maxsize,
            "block": pool_block,
            "timeout": self.default_timeout,
            **_tls_options(verify),
        }
        self._open_pools()

    def _open_pools(self) -> None:
        self._pid = os.getpid()
        # retries=False-like: urllib3 must neither retry nor sleep on Retry-After by itself.
        self.pool_manager = urllib3.PoolManager(retries=_NO_RETRIES, **self._pool_options)
        self.pool_manager.pool_classes_by_scheme = POOL_CLASSES
        self._own_pool = self.pool_manager.connection_from_url(self._origin_prefix)

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
        url = request.url
        timeout = request.timeout
        if timeout is DEFAULT_TIMEOUT:
            timeout_obj = self.default_timeout
        elif isinstance(timeout, Timeout):
            timeout_obj = timeout
        else:
            timeout_obj = to_timeout(timeout)
        deadline = request.call.deadline
        if deadline is not None:
            timeout_obj = _within(timeout_obj, deadline, request)
        start = time.perf_counter()
        token = read_deadline(None if deadline is None else deadline.at)
        outcome: urllib3.BaseHTTPResponse | Exception
        try:
            outcome = self._urlopen(request, timeout_obj)
        except u3.HTTPError as exc:
            outcome = self._send_again_or_fail(exc, request, timeout_obj)
        except (OverflowError, MemoryError) as exc:  # the answer's framing: a size absurd
            outcome = unreadable_answer(request, exc)
        finally:
            end_read_deadline(token)
        if isinstance(outcome, Exception):
            # Raised here, not in the handler: urllib3's error (whose URL may carry secret
            # parameters) is then no ``__context__`` of ours, which would travel with it.
            raise outcome
        raw = outcome
        return Response(
            raw.status,
            content=raw.data,
            headers=raw.headers,
            url=url,
            reason=raw.reason,
            request=request,
            elapsed=datetime.timedelta(seconds=time.perf_counter() - start),
        )

    def _urlopen(self, request: Request, timeout: Timeout) -> urllib3.BaseHTTPResponse:
        url = request.url
        if url.startswith(self._origin_prefix):
            return self._own_pool.urlopen(
                request.method,
                url[len(self._origin) :],
                body=request.body,
                headers=request.headers,
                retries=_NO_RETRIES,
                redirect=False,
                assert_same_host=False,
                timeout=timeout,
                preload_content=True,
            )
        return self.pool_manager.urlopen(
            request.method,
            url,
            body=request.body,
            headers=request.headers,
            retries=_NO_RETRIES,
            redirect=False,
            timeout=timeout,
            preload_content=True,
        )

    def _send_again_or_fail(
        self, exc: u3.HTTPError, request: Request, timeout: Timeout
    ) -> urllib3.BaseHTTPResponse | Exception:
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
                return self._urlopen(request, timeout)
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


def _within(timeout: Timeout, deadline: CallDeadline, request: Request) -> Timeout:
    """``timeout`` with its connect timeout cut to what is left of the call's deadline.

    Reads need no cutting: every read of the response is bounded by the deadline itself. A
    request whose deadline has passed already (a slow renewal, a slow middleware before it)
    is not sent at all.
    """
    left = deadline.left()
    if left <= 0:
        raise DeadlineExceededError(
            f"{request.method} {shown_url(request.url, request)} was not sent: the call's "
            f"{deadline.seconds:g} s deadline passed before it could be; nothing was sent. "
            "Allow longer with retry=RetryPolicy(deadline=...).",
            request=request,
        )
    connect = timeout.connect_timeout
    if isinstance(connect, (int, float)) and connect <= left:
        return timeout
    return Timeout(connect=left, read=timeout.read_timeout)
