"""The innermost handler: the only module that talks to urllib3.

One ``PoolManager`` per client, thread-safe. urllib3's own retries and redirects are off: its
default ``Retry`` sleeps for ``Retry-After`` by itself (60 s on a throttled Keystone) and
following a 301 turns a POST into a GET without body. Retrying is the backoff middleware's job.
Requests to the client's own origin go straight to that origin's connection pool, skipping the
URL parsing and pool lookup of ``PoolManager.urlopen``.
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

from keystone import errors
from keystone._connections import POOL_CLASSES, nothing_sent
from keystone._wire_response import reading_until
from keystone.errors import shown_url
from keystone.request import Request
from keystone.response import Response
from keystone.timeouts import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_READ_TIMEOUT,
    DEFAULT_TIMEOUT,
    CallDeadline,
    TimeoutLike,
    to_timeout,
)
from keystone.urls import BaseURL

#: ``request.context`` key of the call's :class:`~keystone.timeouts.CallDeadline`, if it has one.
DEADLINE_KEY = "deadline"

_NO_RETRIES = Retry(total=False, redirect=False, raise_on_redirect=False, raise_on_status=False)


class InsecureConnectionWarning(UserWarning):
    """TLS certificate verification was turned off for a client."""


def to_urllib3_timeout(timeout: TimeoutLike) -> Timeout:
    """Convert the accepted timeout forms (seconds, ``(connect, read)``, ``None``)."""
    return to_timeout(timeout)


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


class Transport:
    """Sends a :class:`Request` whose URL is absolute and whose body is bytes."""

    def __init__(
        self,
        base_url: BaseURL,
        *,
        timeout: TimeoutLike = (DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT),
        verify: bool | str = True,
        pool_maxsize: int = 10,
        pool_block: bool = False,
    ) -> None:
        if not isinstance(pool_maxsize, int) or pool_maxsize < 1:
            raise ValueError(f"pool_maxsize={pool_maxsize!r} must be a positive integer")
        self._origin = base_url.origin
        self._origin_prefix = base_url.origin_prefix
        self.default_timeout = to_urllib3_timeout(timeout)
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

    def ensure_pool_size(self, maxsize: int) -> None:
        """Keep at least ``maxsize`` connections per host, so concurrent callers reuse them.

        Growing swaps in new pools; requests already holding a connection of the old pools
        finish normally and the old pools are released when nothing references them.
        """
        if maxsize > self.pool_maxsize:
            self._pool_options["maxsize"] = maxsize
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
        deadline: CallDeadline | None = request.context.get(DEADLINE_KEY)
        if deadline is not None:
            timeout_obj = _within(timeout_obj, deadline)
        start = time.perf_counter()
        with reading_until(None if deadline is None else deadline.at):
            try:
                raw = self._urlopen(request, timeout_obj)
            except u3.HTTPError as exc:
                raw = self._send_again_or_raise(exc, request, timeout_obj)
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

    def _send_again_or_raise(
        self, exc: u3.HTTPError, request: Request, timeout: Timeout
    ) -> urllib3.BaseHTTPResponse:
        """Resend a request that met a stale pooled connection before any byte went out.

        This is not a retry: the server never saw the request (see ``keystone._connections``).
        Each resend discards one dead connection, so it is bounded by the pool size; any
        other failure is translated and raised.
        """
        for _ in range(self.pool_maxsize + 1):
            stale = nothing_sent(exc)
            if stale is None or not stale.reused:
                break
            try:
                return self._urlopen(request, timeout)
            except u3.HTTPError as again:
                exc = again
        raise translate_error(exc, request) from exc

    def close(self) -> None:
        """Close every pooled connection; later requests open new ones."""
        old_manager, old_pool = self.pool_manager, self._own_pool
        forked = self._pid != os.getpid()
        self._open_pools()
        if forked:
            return  # the parent's pools (and their locks) belong to the parent: leave them be
        old_pool.close()
        old_manager.clear()


def _within(timeout: Timeout, deadline: CallDeadline) -> Timeout:
    """``timeout`` with its connect timeout cut to what is left of the call's deadline.

    Reads need no cutting: every read of the response is bounded by the deadline itself.
    """
    left = max(deadline.left(), 0.001)
    connect = timeout.connect_timeout
    if isinstance(connect, (int, float)) and connect <= left:
        return timeout
    return Timeout(connect=left, read=timeout.read_timeout)


def translate_error(exc: u3.HTTPError, request: Request) -> errors.KeystoneError | ValueError:
    """Our exception for a urllib3 one, naming the method and URL and what to do."""
    where = f"{request.method} {shown_url(request.url)}"
    cause = _root_cause(exc)
    deadline: CallDeadline | None = request.context.get(DEADLINE_KEY)
    if deadline is not None and deadline.left() <= 0.005:
        if isinstance(exc, u3.ConnectTimeoutError):
            return errors.ConnectTimeout(
                f"{where} failed: the call's {deadline.seconds:g} s deadline passed while "
                "connecting; nothing was sent. Allow longer with retry=RetryPolicy(deadline=...).",
                request=request,
            )
        if isinstance(exc, u3.ReadTimeoutError):
            return errors.ReadTimeout(
                f"{where} failed: the call's {deadline.seconds:g} s deadline passed before the "
                "response was complete (the server answered too slowly); the server may still "
                "have processed the request. Allow longer with retry=RetryPolicy(deadline=...).",
                request=request,
            )
    if isinstance(exc, u3.NewConnectionError):
        return errors.ConnectError(
            f"{where} failed: could not connect ({cause}); nothing was sent. Check that the "
            "server is running and the URL is right.",
            request=request,
        )
    if isinstance(exc, u3.ConnectTimeoutError):
        return errors.ConnectTimeout(
            f"{where} failed: connecting timed out ({cause}); nothing was sent. Check the "
            "network path, or raise the connect timeout.",
            request=request,
        )
    if isinstance(exc, u3.ReadTimeoutError):
        return errors.ReadTimeout(
            f"{where} failed: no response within the read timeout ({cause}); the server may "
            "still have processed the request. Raise timeout= if the server is slow.",
            request=request,
        )
    if isinstance(exc, (u3.SSLError, u3.ProxyError)):
        return errors.ConnectError(
            f"{where} failed: could not establish a secure connection ({cause}); nothing was "
            "sent. Check the certificate, or pass verify= with the server's CA bundle.",
            request=request,
        )
    if nothing_sent(exc) is not None:
        return errors.ConnectError(
            f"{where} failed: the connection was reset before any byte of the request was "
            f"written ({cause}); nothing was sent. Check that the server is running.",
            request=request,
        )
    if isinstance(exc, u3.ProtocolError):
        return errors.ConnectionDroppedError(
            f"{where} failed: the connection closed before a complete response ({cause}); "
            "the server may or may not have processed the request.",
            request=request,
        )
    if isinstance(exc, u3.LocationValueError):
        return ValueError(f"{where}: the URL is not valid ({shown_url(str(exc))})")
    return errors.TransportError(f"{where} failed: {cause}", request=request)


def _root_cause(exc: BaseException) -> str:
    reason: BaseException = exc
    for attr in ("reason", "original_error"):
        inner = getattr(reason, attr, None)
        if isinstance(inner, BaseException):
            reason = inner
    if isinstance(exc, u3.ProtocolError) and len(exc.args) > 1:
        inner_arg = exc.args[1]
        if isinstance(inner_arg, BaseException):
            reason = inner_arg
    text = str(reason) or type(reason).__name__
    return f"{type(reason).__name__}: {text}" if text != type(reason).__name__ else text
