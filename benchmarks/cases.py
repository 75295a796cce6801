"""The clients compared, each making the same GET of one Keystone record.

Third-party clients (``requests``, ``httpx``) are measured only when installed (the ``dev``
extra has them); they are never imported by the package itself.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import urllib3
from harness import Case

from keystone import KeystoneClient, Request, StaticTokenAuth
from keystone._chain.backoff import BackoffMiddleware
from keystone._chain.base_url import BaseURLMiddleware
from keystone._chain.call_log import LoggingMiddleware
from keystone._chain.json import JSONMiddleware
from keystone._pipeline import compose
from keystone._retry_policy import RetryPolicy
from keystone._transport.http import HTTPTransport
from keystone._urls import BaseURL
from keystone.middleware._metrics import MetricsMiddleware

DETAIL = "allocations/clusters/1/"


def _raw_http_client(url: str) -> Callable[[], object]:
    """The floor under every client: one kept-alive ``http.client`` connection, no pool."""
    import http.client
    import urllib.parse

    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port)
    target = parts.path + DETAIL

    def call() -> object:
        conn.request("GET", target)
        return json.loads(conn.getresponse().read())

    return call


def _raw_urllib3(url: str) -> Callable[[], object]:
    pool = urllib3.PoolManager()
    target = url + DETAIL
    return lambda: json.loads(pool.request("GET", target).data)


def _http_get(url: str) -> Callable[[], object]:
    client = KeystoneClient(url, server="0.4+")
    return lambda: client.http_get(DETAIL).json()


def _session(url: str) -> Callable[[], object]:
    """Logged in to a Keystone 0.4+ session: each request carries its cookies."""
    client = KeystoneClient(url, server="0.4+")
    client.login("bench", "bench-password")
    assert client.is_authenticated
    return lambda: client.http_get(DETAIL).json()


def _token(url: str) -> Callable[[], object]:
    client = KeystoneClient(url, auth=StaticTokenAuth("bench-token"), server="0.4+")
    return lambda: client.http_get(DETAIL).json()


def _retrieve(url: str) -> Callable[[], object]:
    client = KeystoneClient(url, server="0.4+")
    return lambda: client.retrieve_cluster(pk=1)


def _chain(backoff: bool) -> Callable[[str], Callable[[], object]]:
    """The client's chain without auth, with or without the backoff layer: the difference is
    what backoff costs a request that succeeds."""

    def setup(url: str) -> Callable[[], object]:
        base = BaseURL(url)
        layers: list[Any] = [BaseURLMiddleware(base), JSONMiddleware()]
        if backoff:
            layers.append(BackoffMiddleware(RetryPolicy()))
        handler = compose(layers, HTTPTransport(base))
        headers = {"Accept": "application/json"}
        return lambda: handler(Request("GET", DETAIL, headers=dict(headers))).json()

    return setup


class _FormattingNullHandler(logging.Handler):
    """Formats each record like a real handler would, then discards it."""

    def emit(self, record: logging.LogRecord) -> None:
        self.format(record)


def _logged(enabled: bool) -> Callable[[str], Callable[[], object]]:
    """``http_get`` with a call log on its own logger, at INFO with a handler, or switched off."""

    def setup(url: str) -> Callable[[], object]:
        logger = logging.getLogger(f"benchmarks.keystone.http.{'on' if enabled else 'off'}")
        logger.propagate = False
        logger.setLevel(logging.INFO if enabled else logging.WARNING)
        handler = _FormattingNullHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        logger.handlers[:] = [handler]
        client = KeystoneClient(url, middleware=[LoggingMiddleware(logger)], server="0.4+")
        return lambda: client.http_get(DETAIL).json()

    return setup


def _metered(url: str) -> Callable[[], object]:
    client = KeystoneClient(url, middleware=[MetricsMiddleware()], server="0.4+")
    return lambda: client.http_get(DETAIL).json()


def _requests_session(url: str) -> Callable[[], object]:
    import requests

    session = requests.Session()
    target = url + DETAIL
    return lambda: session.get(target).json()


def _requests_no_session(url: str) -> Callable[[], object]:
    import requests

    target = url + DETAIL
    return lambda: requests.request("GET", target).json()


def _httpx_client(url: str) -> Callable[[], object]:
    import httpx

    client = httpx.Client()
    target = url + DETAIL
    return lambda: client.get(target).json()


def _installed(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def single_request_cases() -> list[Case]:
    cases = [
        Case("raw urllib3 + json.loads", _raw_urllib3),
        Case("raw http.client, one kept-alive connection", _raw_http_client),
        Case("KeystoneClient.http_get().json()", _http_get),
        Case("http_get, logged in to a session (0.4+)", _session),
        Case("http_get, API token (0.4+)", _token),
    ]
    cases += [
        Case("chain: base URL + JSON", _chain(backoff=False)),
        Case("chain: base URL + JSON + backoff", _chain(backoff=True)),
    ]
    cases += [
        Case("http_get + LoggingMiddleware, INFO + handler", _logged(enabled=True)),
        Case("http_get + LoggingMiddleware, logger off", _logged(enabled=False)),
        Case("http_get + MetricsMiddleware", _metered),
    ]
    if hasattr(KeystoneClient, "retrieve_cluster"):
        cases.append(Case("KeystoneClient.retrieve_cluster(pk=1)", _retrieve))
    peers: list[tuple[str, str, Any]] = [
        ("requests", "requests.Session", _requests_session),
        ("httpx", "httpx.Client", _httpx_client),
        ("requests", "requests.request (no session)", _requests_no_session),
    ]
    cases += [Case(name, setup) for module, name, setup in peers if _installed(module)]
    return cases
