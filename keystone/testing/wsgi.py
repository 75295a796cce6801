"""A small WSGI gateway: build a PEP 3333 environ, run the application, buffer its answer.

Responses are buffered whole. The emulator's answers are small JSON documents, buffering lets
the server always send an exact ``Content-Length`` (so keep-alive works without chunked
responses), and it is what makes "process the request, then drop the connection before any
response byte" possible.
"""

from __future__ import annotations

import io
import sys
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

if TYPE_CHECKING:
    from types import TracebackType

    from _typeshed.wsgi import WSGIApplication, WSGIEnvironment

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "content-length",
    }
)
"""Headers the server owns; an application's values for them are dropped."""


@dataclass
class AppResponse:
    """What the application answered, fully read."""

    status: int
    reason: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


@dataclass(frozen=True)
class RequestInfo:
    """The parts of an HTTP request the environ is built from."""

    method: str
    target: str
    version: str
    headers: list[tuple[str, str]]
    body: bytes
    client_address: tuple[str, int]
    server_name: str
    server_port: int
    url_scheme: str = "http"


def build_environ(request: RequestInfo) -> WSGIEnvironment:
    """The PEP 3333 environ for ``request`` (the body is already read and de-chunked)."""
    path, _, query = request.target.partition("?")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote(path, "iso-8859-1"),
        "QUERY_STRING": query,
        "SERVER_NAME": request.server_name,
        "SERVER_PORT": str(request.server_port),
        "SERVER_PROTOCOL": request.version,
        "REMOTE_ADDR": request.client_address[0],
        "REMOTE_PORT": str(request.client_address[1]),
        "CONTENT_LENGTH": str(len(request.body)) if request.body else "",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": request.url_scheme,
        "wsgi.input": io.BytesIO(request.body),
        "wsgi.input_terminated": True,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for name, value in request.headers:
        lowered = name.lower()
        if "_" in name or lowered in ("content-length", "transfer-encoding"):
            continue  # underscores could spoof other variables; the body is already framed
        if lowered == "content-type":
            environ["CONTENT_TYPE"] = value
            continue
        key = "HTTP_" + name.upper().replace("-", "_")
        environ[key] = f"{environ[key]},{value}" if key in environ else value
    return environ


class _StartResponse:
    """The ``start_response`` callable handed to the application."""

    def __init__(self) -> None:
        self.status: str | None = None
        self.headers: list[tuple[str, str]] = []
        self.written: list[bytes] = []

    def __call__(
        self,
        status: str,
        headers: list[tuple[str, str]],
        exc_info: tuple[type[BaseException], BaseException, TracebackType]
        | tuple[None, None, None]
        | None = None,
    ) -> Callable[[bytes], object]:
        if self.status is not None and not exc_info:
            raise AssertionError("start_response called twice without exc_info")
        self.status = status
        self.headers = list(headers)
        return self.written.append


def call_app(app: WSGIApplication, environ: WSGIEnvironment) -> AppResponse:
    """Run ``app`` and collect its whole response; an exception becomes a plain 500."""
    start = _StartResponse()
    try:
        result: Iterable[bytes] = app(environ, start)
        try:
            for chunk in result:
                start.written.append(chunk)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        if start.status is None:
            raise RuntimeError("the application returned without calling start_response")
    except Exception:
        traceback.print_exc(file=sys.stderr)
        return AppResponse(
            500,
            "Internal Server Error",
            [("Content-Type", "text/plain; charset=utf-8")],
            b"Internal Server Error\n",
        )
    code, _, reason = start.status.partition(" ")
    headers = [(k, v) for k, v in start.headers if k.lower() not in HOP_BY_HOP]
    return AppResponse(int(code), reason, headers, b"".join(start.written))
