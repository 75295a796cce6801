"""``KeystoneClient``: the facade users import.

It owns one connection pool and one middleware chain, composed once at construction: user
middleware, the call log, base URL, JSON, backoff, per-attempt user middleware, authentication,
the wire log, and the transport. Every public method builds a
:class:`~keystone.request.Request` and hands it to that chain.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from keystone._version import __version__
from keystone.auth import AuthStrategy, JWTAuth
from keystone.batch import BatchResults, ProgressCallback, R, T, run_batch
from keystone.correlation import CID_HEADER, ensure_cid
from keystone.headers import Headers
from keystone.http_verbs import HTTPVerbs
from keystone.middleware.auth import AuthMiddleware
from keystone.middleware.backoff import BackoffMiddleware, check_policy
from keystone.middleware.base_url import BaseURLMiddleware
from keystone.middleware.json_body import JSONMiddleware
from keystone.middleware.logging import LoggingMiddleware
from keystone.middleware.placement import split_placement
from keystone.middleware.wire_log import WireLogMiddleware
from keystone.pipeline import Handler, Middleware, MiddlewareLike, compose
from keystone.pipeline import middleware_name as _middleware_name
from keystone.redaction import Redactor
from keystone.request import Params, Request
from keystone.resources.methods import ResourceMethods
from keystone.response import Response
from keystone.retry_policy import RetryPolicy
from keystone.timeouts import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_READ_TIMEOUT,
    DEFAULT_TIMEOUT,
    TimeoutLike,
    to_timeout,
)
from keystone.transport import Transport
from keystone.urls import BaseURL


def _body_of(data: Any, json: Any) -> tuple[Any, bytes | None]:
    """Split the ``data``/``json`` arguments into a JSON value or raw bytes."""
    if data is not None and json is not None:
        raise ValueError("give either data= or json=, not both (both are sent as JSON)")
    value = json if json is not None else data
    if value is None:
        return None, None
    if isinstance(value, bytes):
        return None, value
    if isinstance(value, str):
        return None, value.encode("utf-8")
    return value, None


class KeystoneClient(HTTPVerbs, ResourceMethods):
    """A client for one Keystone API server.

    ``url`` is the API root with its scheme, e.g. ``"https://keystone.example.org"`` or
    ``"http://localhost:8000/api"``. ``timeout`` is the default for every call: seconds, a
    ``(connect, read)`` pair, or ``None`` to wait forever. ``verify`` is ``True`` (system CAs),
    ``False`` (no TLS verification, with a warning) or a CA bundle path. ``pool_maxsize`` is how
    many connections to the server are kept open for reuse (raise it for many threads).
    ``middleware`` is a list of your own middleware, outermost first; wrap one in
    :func:`~keystone.middleware.placement.per_attempt` to place it inside the backoff layer,
    where it sees every attempt (see docs/middleware.md). ``auth`` is the
    authentication strategy: :class:`~keystone.auth.JWTAuth` (username/password login, the
    default) or e.g. :class:`~keystone.auth.StaticTokenAuth` for an API key.
    ``retry`` is the :class:`~keystone.retry_policy.RetryPolicy` of every call (default
    ``RetryPolicy()``); a call's own ``retry=`` overrides it (see docs/retries.md).
    ``redact_fields`` names extra body fields the logs must hide, besides passwords and tokens.
    Every request carries the client's correlation id :attr:`cid` as ``X-KEYSTONE-CID``.
    """

    def __init__(
        self,
        url: str,
        *,
        timeout: TimeoutLike = (DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT),
        verify: bool | str = True,
        pool_maxsize: int = 10,
        headers: Mapping[str, str] | None = None,
        middleware: Sequence[MiddlewareLike] = (),
        auth: AuthStrategy | None = None,
        retry: RetryPolicy | None = None,
        redact_fields: Iterable[str] = (),
    ) -> None:
        self._base_url = BaseURL(url)
        self._options: dict[str, Any] = {
            "timeout": timeout,
            "verify": verify,
            "pool_maxsize": pool_maxsize,
            "headers": dict(headers or {}),
            "middleware": tuple(middleware),
            "retry": retry,
            "redact_fields": tuple(redact_fields),
        }
        self._transport = Transport(
            self._base_url, timeout=timeout, verify=verify, pool_maxsize=pool_maxsize
        )
        self._headers = Headers(
            {"Accept": "application/json", "User-Agent": f"keystone-api-client/{__version__}"}
        )
        if headers:
            self._headers.update(headers)
        self._cid = ensure_cid(self._headers)
        outer, per_attempt = split_placement(middleware)
        redactor = Redactor(fields=redact_fields)
        self._auth = auth if auth is not None else JWTAuth()
        self._backoff = BackoffMiddleware(retry)
        self._layers: list[Middleware] = [
            *outer,
            LoggingMiddleware(redactor=redactor),
            BaseURLMiddleware(self._base_url),
            JSONMiddleware(),
            self._backoff,
            *per_attempt,
            AuthMiddleware(self._auth, self._base_url),
            WireLogMiddleware(redactor=redactor),
        ]
        self._handler: Handler = compose(self._layers, self._transport)
        self._auth.bind(self._send)

    # -- introspection ------------------------------------------------------------------------

    @property
    def cid(self) -> str:
        """This client's correlation id, sent as ``X-KEYSTONE-CID`` on every request."""
        return self._cid

    @property
    def retry(self) -> RetryPolicy:
        """The retry policy of calls that do not pass their own ``retry=``."""
        return self._backoff.policy

    @property
    def url(self) -> str:
        """The API root, normalised with a trailing slash."""
        return self._base_url.url

    @property
    def middleware(self) -> list[str]:
        """Names of the chain's layers, outermost first, ending with the transport."""
        return [_middleware_name(m) for m in self._layers] + ["transport"]

    @property
    def auth(self) -> AuthStrategy:
        """The authentication strategy in use."""
        return self._auth

    @property
    def is_authenticated(self) -> bool:
        """Whether the client holds a session that has not expired (checked locally, no request)."""
        return bool(self._auth.is_authenticated)

    # -- session ------------------------------------------------------------------------------

    def login(self, username: str, password: str, timeout: TimeoutLike = DEFAULT_TIMEOUT) -> None:
        """Log in and keep the access/refresh token pair (the password is not kept).

        Raises :class:`~keystone.errors.AuthenticationError` with the server's detail for bad
        credentials and :class:`~keystone.errors.ValidationError` for a missing field. A second
        login replaces the session.
        """
        self._auth.login(username, password, timeout=timeout)

    def logout(self, raise_blacklist: bool = False, timeout: TimeoutLike = DEFAULT_TIMEOUT) -> None:
        """Blacklist the refresh token on the server and forget both tokens.

        The tokens are forgotten even when the server refuses (e.g. the refresh token already
        expired); that failure is raised only with ``raise_blacklist=True``. Logging out when
        not logged in does nothing.
        """
        self._auth.logout(raise_blacklist=raise_blacklist, timeout=timeout)

    def __repr__(self) -> str:
        return f"<KeystoneClient url={self.url!r} authenticated={self.is_authenticated}>"

    # -- requests -----------------------------------------------------------------------------

    def request(
        self,
        method: str,
        endpoint: str,
        *,
        params: Params | None = None,
        data: Any = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
        timeout: TimeoutLike = DEFAULT_TIMEOUT,
        context: dict[str, Any] | None = None,
        retry: RetryPolicy | None = None,
    ) -> Response:
        """Send one request through the chain and return the response.

        ``endpoint`` is a path under the API root (``"allocations/clusters/1"``). ``data`` or
        ``json`` (dict, list, ...) is sent as JSON; ``bytes``/``str`` are sent as they are.
        Raises a :class:`~keystone.errors.HTTPError` subclass for 4xx/5xx.
        """
        if not isinstance(endpoint, str):
            raise TypeError(
                f"endpoint must be a str path such as 'allocations/clusters/', not {endpoint!r}"
            )
        json_value, body = _body_of(data, json)
        if timeout is not DEFAULT_TIMEOUT:
            to_timeout(timeout)  # refuse a bad value now, naming it, before anything is sent
        request_headers = self._headers.copy()
        if headers:
            request_headers.update(headers)
        request = Request(
            method.upper(),
            endpoint,
            headers=request_headers,
            params=params,
            json=json_value,
            body=body,
            timeout=timeout,
            context=context if context is not None else {"kind": "api"},
        )
        if retry is not None:
            request.context["retry"] = check_policy(retry)
        return self._handler(request)

    def _send(self, request: Request) -> Response:
        """Send a request built elsewhere (login, refresh) through the whole chain."""
        for name, value in self._headers.items():
            request.headers.setdefault(name, value)
        return self._handler(request)

    # -- concurrency --------------------------------------------------------------------------

    def batch(
        self,
        fn: Callable[[T], R],
        items: Iterable[T],
        *,
        workers: int = 8,
        deadline: float | None = None,
        progress: ProgressCallback | None = None,
        progress_bar: bool = False,
    ) -> BatchResults[T, R]:
        """Call ``fn(item)`` for every item on ``workers`` threads sharing this client.

        Returns one outcome per input, in input order: the value, or the exception ``fn``
        raised (failures are collected, not raised: see ``BatchResults.raise_for_errors``).
        The connection pool grows to ``workers`` so no connection is discarded. ``deadline``
        (seconds, whole batch) stops starting new items; ``progress(done, total)`` is called
        after each item; ``progress_bar=True`` shows a tqdm bar (tqdm must be installed).
        """
        self._transport.ensure_pool_size(workers)
        return run_batch(
            fn,
            items,
            workers=workers,
            deadline=deadline,
            progress=progress,
            progress_bar=progress_bar,
        )

    # -- lifecycle ----------------------------------------------------------------------------

    def close(self) -> None:
        """Close pooled connections. The client stays usable and reconnects when needed."""
        self._transport.close()

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle the configuration, the session (tokens travel) and the cid; not connections."""
        options = {**self._options, "headers": {**self._options["headers"], CID_HEADER: self._cid}}
        return (_restore, (type(self), self.url, options, self._auth))

    def __enter__(self) -> KeystoneClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _restore(
    cls: type[KeystoneClient], url: str, options: dict[str, Any], auth: AuthStrategy
) -> KeystoneClient:
    return cls(url, auth=auth, **options)
