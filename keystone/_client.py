"""``KeystoneClient``: the facade users import.

It checks the configuration and makes the client's :class:`~keystone._core.Core` (the
transport, the chain over it, the auth strategy, the server, the clock, the defaults); its
parts use that core: the verbs (:mod:`keystone._calls`), the account (:mod:`keystone._account`:
login, logout, the server), the readers and the generated resource methods
(:mod:`keystone.resources`), bulk work (:mod:`keystone._bulk`).
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from urllib3.util import Timeout, parse_url

from keystone._account import Account
from keystone._bulk import BulkCalls
from keystone._calls import Calls
from keystone._chain.placement import MiddlewareItem
from keystone._clock import SYSTEM_CLOCK, Clock
from keystone._core import Core, UsesCore
from keystone._correlation import CID_HEADER, ensure_cid
from keystone._detection import given
from keystone._environment import environment, log_from, token_auth_from, url_from
from keystone._headers import Headers
from keystone._operations.methods import ResourceMethods
from keystone._operations.readers import Readers
from keystone._pipeline import middleware_name
from keystone._redaction import Redactor
from keystone._retry_policy import RetryPolicy
from keystone._servers import Generation, Server
from keystone._throttle import Rate, Throttle
from keystone._timeouts import (
    DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_READ_TIMEOUT,
    TimeoutLike,
    to_timeout,
)
from keystone._transport.base import BaseTransport
from keystone._transport.http import HTTPTransport
from keystone._urls import BaseURL
from keystone._version import __version__
from keystone.auth import AuthStrategy, LoginAuth

logger = logging.getLogger("keystone.auth")


#: The network options a transport takes, and their defaults (only the others are passed).
_NETWORK_DEFAULTS: dict[str, Any] = {"verify": None, "cert": None, "proxy": None, "trust_env": True}


def _one_of(name: str, value: Any, alias: str, alias_value: Any) -> Any:
    """The value given under ``name`` or under its other spelling ``alias`` (``None``: neither);
    both given, and differing, is refused."""
    if alias_value is None:
        return value
    if value is not None and value != alias_value:
        raise ValueError(
            f"{name}={value!r} and {alias}={alias_value!r} are the same setting under two "
            f"names: give one of them"
        )
    return alias_value


def _names(value: Iterable[str], what: str) -> tuple[str, ...]:
    """``value`` as a tuple of names, read once (a generator would be used up by a second read)."""
    names = () if isinstance(value, str) else tuple(value)
    if isinstance(value, str) or not all(isinstance(name, str) for name in names):
        raise TypeError(f"{what} must be a collection of names such as {{'ssh_key'}}")
    return names


class ClientBase(UsesCore):
    """What both clients are made of: the configuration, checked, and the core over it (see
    :class:`KeystoneClient` for every argument); the client says which transport is its own
    and whether its chain is awaited."""

    _asynchronous = False

    def __init__(
        self,
        url: str | None = None,
        *,
        base_url: str | None = None,
        timeout: TimeoutLike = (DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT),
        verify: bool | str | None = None,
        verify_ssl: bool | str | None = None,
        cert: str | tuple[str, str] | None = None,
        proxy: str | None = None,
        trust_env: bool = True,
        pool_maxsize: int = 10,
        headers: Mapping[str, str] | None = None,
        middleware: Sequence[MiddlewareItem] = (),
        auth: AuthStrategy | None = None,
        retry: RetryPolicy | None = None,
        redact_fields: Iterable[str] = (),
        transport: Any = None,
        clock: Clock = SYSTEM_CLOCK,
        server: Server | Generation | str | None = None,
        check_filters: bool = True,
        check_fields: bool = True,
        rate_limit: str | None = None,
    ) -> None:
        environ = environment(trust_env)
        log_from(environ)  # first: what the rest decides from the environment may be logged
        given_url = _one_of("url", url, "base_url", base_url)
        root = BaseURL(given_url if given_url is not None else url_from(environ, self._name))
        verify = _one_of("verify", verify, "verify_ssl", verify_ssl)
        verify = True if verify is None else verify
        throttle = Throttle(None if rate_limit is None else Rate.parse(rate_limit))
        known = None if server is None else given(server)
        for name, flag in (("check_filters", check_filters), ("check_fields", check_fields)):
            if not isinstance(flag, bool):
                raise TypeError(f"{name}={flag!r} must be True or False")
        if isinstance(middleware, (str, bytes)) or not isinstance(middleware, Iterable):
            raise TypeError(f"middleware must be a list of middleware, not {middleware!r}")
        if auth is None:
            auth = token_auth_from(environ, root.origin)
        elif not isinstance(auth, AuthStrategy):
            raise TypeError(
                f"auth={auth!r} is not an AuthStrategy: for an API key give "
                "auth=StaticTokenAuth('<key>'); leave it out to log in with login()"
            )
        middleware = tuple(middleware)
        redact_fields = _names(redact_fields, "redact_fields")
        default_headers = Headers(
            {"Accept": "application/json", "User-Agent": f"keystone-api-client/{__version__}"}
        )
        if headers:
            default_headers.update(Headers(headers))
        self._cid = ensure_cid(default_headers)
        default_timeout = to_timeout(timeout)
        network: dict[str, Any] = {
            "verify": verify,
            "cert": cert,
            "proxy": proxy,
            "trust_env": trust_env,
        }
        if transport is None:
            given_network = {k: v for k, v in network.items() if v is not _NETWORK_DEFAULTS[k]}
            transport = self._own_transport(root, default_timeout, pool_maxsize, given_network)
        elif verify is not True or cert is not None or proxy is not None or pool_maxsize != 10:
            raise ValueError(
                "verify=, cert=, proxy= and pool_maxsize= configure the client's own "
                "transport; with transport= given, configure that transport instead"
            )
        strategy = auth if auth is not None else LoginAuth(clock=clock)
        if clock is not SYSTEM_CLOCK:
            strategy.clock = clock
        strategy.bind(root.url)
        self._core = Core(
            root,
            headers=default_headers,
            timeout=default_timeout,
            transport=transport,
            auth=strategy,
            retry=retry,
            clock=clock,
            throttle=throttle,
            redactor=Redactor(fields=redact_fields),
            middleware=middleware,
            check_filters=check_filters,
            check_fields=check_fields,
            server=known,
            asynchronous=self._asynchronous,
        )
        self._options: dict[str, Any] = {
            "timeout": timeout,
            **network,
            "pool_maxsize": pool_maxsize,
            "headers": dict(headers or {}),
            "middleware": middleware,
            "retry": retry,
            "redact_fields": redact_fields,
            "clock": clock,
            "check_filters": check_filters,
            "check_fields": check_fields,
            "rate_limit": rate_limit,
        }

    @property
    def _name(self) -> str:
        return type(self).__name__

    def _own_transport(
        self, base_url: BaseURL, timeout: Timeout, pool_maxsize: int, network: dict[str, Any]
    ) -> Any:
        """The transport the client makes when none is given; ``network`` holds ``verify`` and
        those of ``cert``, ``proxy`` and ``trust_env`` that are not the default."""
        raise NotImplementedError

    # -- introspection ------------------------------------------------------------------------

    @property
    def cid(self) -> str:
        """This client's correlation id, sent as ``X-KEYSTONE-CID`` on every request."""
        return self._cid

    @property
    def retry(self) -> RetryPolicy:
        """The retry policy of calls that do not pass their own ``retry=``."""
        return self._core.backoff.policy

    @property
    def rate_limit(self) -> str | None:
        """The client's own rate (``"250/min"``), shared by all its threads, or ``None``."""
        rate = self._core.throttle.rate
        return None if rate is None else str(rate)

    @property
    def url(self) -> str:
        """The API root, normalised with a trailing slash."""
        return self._core.base_url.url

    @property
    def base_url(self) -> str:
        """The API root, as :attr:`url` (the official Keystone client's name for it)."""
        return self._core.base_url.url

    @property
    def middleware(self) -> list[str]:
        """Names of the chain's layers, outermost first, ending with the transport."""
        return [middleware_name(m) for m in self._core.layers] + ["transport"]

    @property
    def auth(self) -> AuthStrategy:
        """The authentication strategy in use."""
        return self._core.auth

    def __repr__(self) -> str:
        authenticated = bool(self._core.auth.is_authenticated)
        return f"<{type(self).__name__} url={self.url!r} authenticated={authenticated}>"


class KeystoneClient(ClientBase, Calls, BulkCalls, Account, Readers, ResourceMethods):
    """A client for one Keystone API server.

    ``url`` is the API root with its scheme, e.g. ``"https://keystone.example.org"`` or
    ``"http://localhost:8000/api"`` (``base_url=`` is the same, under the official Keystone
    client's name); without either, ``KEYSTONE_URL`` from the environment. ``timeout`` is the
    default for every call: seconds, a ``(connect, read)`` pair, or ``None`` to wait forever.
    ``verify`` (or ``verify_ssl``) is ``True`` (the default: the CAs of ``REQUESTS_CA_BUNDLE``,
    else of ``SSL_CERT_FILE``/``SSL_CERT_DIR``, when set; else the system's), ``False`` (no
    TLS verification, with a warning) or a CA bundle path. ``cert`` is a client certificate for
    servers that require one (mutual TLS): one PEM file holding the certificate and its key,
    or a ``(certificate, key)`` pair of paths. ``proxy`` is the URL of a proxy for every
    request (``http://[user:password@]host:port``; HTTPS goes through it with ``CONNECT``);
    without it, ``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY`` and ``NO_PROXY`` are honoured, as
    ``requests`` does (see docs/connections.md). ``trust_env=False`` ignores the environment:
    the URL, the proxies, the CA bundles, ``KEYSTONE_API_TOKEN`` and ``KEYSTONE_LOG`` (see
    docs/configuration.md). ``pool_maxsize`` is how many connections to the server are kept
    open for reuse (raise it for many threads).
    ``middleware`` is a list of your own middleware, outermost first; wrap one in
    :func:`~keystone.per_attempt` to place it inside the backoff layer, where it sees every
    attempt (see docs/middleware.md). ``auth`` is the authentication strategy:
    :class:`~keystone.LoginAuth` (the default: ``login()`` with a username and password, with
    JWTs on Keystone 0.3.x and a session with CSRF on 0.4 and later; or, when
    ``KEYSTONE_API_TOKEN`` is set for the server of ``KEYSTONE_URL``, that API token on every
    request) or e.g.
    :class:`~keystone.StaticTokenAuth` for an API key. ``retry`` is the
    :class:`~keystone.RetryPolicy` of every call (default ``RetryPolicy()``); a call's own
    ``retry=`` overrides it (see docs/retries.md). ``redact_fields`` names extra body fields the
    logs must hide, besides passwords and tokens. Every request carries the client's
    correlation id :attr:`cid` as ``X-KEYSTONE-CID``.

    Throttles are shared: when the server answers that the client must wait (a 429 with
    ``Retry-After``), every request of the client waits until then, on every thread.
    ``rate_limit`` (``"250/min"``, the server's syntax) also spaces the client's requests out so
    that they stay under the server's throttle rather than learn it from refusals; pick it a
    little below the server's rate for one user (see docs/batch_jobs.md).

    ``server`` says which Keystone the server is: a release (``"0.7.5"``) or a generation
    (``"0.3"``, ``"0.4+"``: its newest release), see :attr:`server`; without it the client
    finds out by itself, once. The resource methods refuse what the server's release would
    ignore without an error: a filter name or lookup its schema does not declare for the
    resource, or a value the filter cannot read (the server would match every record), and a
    field a create or an update does not take (the server would drop it).
    ``check_filters=False`` and ``check_fields=False`` send such names anyway, for a server
    newer than this client.

    For tests: ``transport`` replaces the urllib3 transport (e.g. with
    ``keystone.testing.MockTransport``; the client's ``timeout`` and ``headers`` still go on
    every request), and ``clock`` the client's time (token expiry, retry waits, deadlines),
    e.g. with ``keystone.testing.FakeClock``.
    """

    def _own_transport(
        self, base_url: BaseURL, timeout: Timeout, pool_maxsize: int, network: dict[str, Any]
    ) -> HTTPTransport:
        return HTTPTransport(base_url, timeout=timeout, pool_maxsize=pool_maxsize, **network)

    # -- lifecycle ----------------------------------------------------------------------------

    def close(self) -> None:
        """Close pooled connections. The client stays usable and reconnects when needed."""
        transport = self._core.transport
        if isinstance(transport, BaseTransport):
            transport.close()

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle the configuration, the session (it travels) and the cid; not connections.

        The copy gets its own copy of the auth strategy (holding the same session), and the
        default transport: a custom ``transport=`` is not carried over. What came from the
        environment (proxies, CA bundles, ``KEYSTONE_API_TOKEN``) is not pickled: the copy
        reads its own process's environment. A ``proxy=`` with credentials is refused.
        """
        proxy = self._options["proxy"]
        if proxy is not None and parse_url(proxy).auth:
            raise TypeError(
                "this KeystoneClient does not pickle: its proxy= URL holds credentials, which "
                "would travel in the pickle. Set HTTPS_PROXY (or HTTP_PROXY) in the "
                "environment of the processes instead: each copy reads its own."
            )
        options = {
            **self._options,
            "headers": {**self._options["headers"], CID_HEADER: self._cid},
            "server": self._core.server,
        }
        return (_restore, (type(self), self.url, options, copy.copy(self._core.auth)))

    def __enter__(self) -> KeystoneClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _restore(
    cls: type[KeystoneClient], url: str, options: dict[str, Any], auth: AuthStrategy
) -> KeystoneClient:
    return cls(url, auth=auth, **options)
