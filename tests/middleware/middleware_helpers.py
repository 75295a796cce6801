"""Helpers for the middleware tests: a client with fast retries, log capture, recorders.

The chain under test is the one ``docs/middleware.md`` describes:

    user middleware -> log -> base_url -> json -> backoff -> per-attempt middleware -> auth
    -> throttle -> wire_log -> transport
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from keystone import KeystoneClient, Request, Response, RetryPolicy
from keystone.middleware import Handler, HookMiddleware, MiddlewareLike

#: The middleware tests' account: a password that must never show up in a log.
USERNAME = "mw-operator"
PASSWORD = "Pw-9f3c1e77-never-in-logs"

#: The documented order of the built-in layers, outermost first.
BUILT_IN = ["log", "base_url", "json", "backoff", "auth", "throttle", "wire_log", "transport"]

#: Retries in tests wait at most this long.
FAST_RETRIES = RetryPolicy(max_attempts=3, backoff_base=0.01, backoff_cap=0.02)


def documented_client(
    url: str, *, middleware: Sequence[MiddlewareLike] = (), **options: Any
) -> KeystoneClient:
    """A client with fast retries, whose chain is the documented one.

    It is told its server is Keystone 0.3.x (the emulator's profile here), so the requests the
    tests count are only the calls they make, not the one that would find that out.
    """
    options.setdefault("retry", FAST_RETRIES)
    options.setdefault("server", "0.3")
    return KeystoneClient(url, middleware=middleware, **options)


class CapturingHandler(logging.Handler):
    """Keeps every record and its full text: the message and every attribute's repr."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        attributes = " ".join(f"{k}={v!r}" for k, v in sorted(vars(record).items()))
        self.lines.append(f"{record.name} {record.levelname} {record.getMessage()} {attributes}")

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def named(self, name: str) -> list[logging.LogRecord]:
        return [r for r in self.records if r.name == name]


@contextmanager
def captured_logs(level: int = logging.DEBUG, name: str = "keystone") -> Iterator[CapturingHandler]:
    """Capture the ``keystone`` loggers' records at ``level`` for the duration of a block.

    Levels that other code set on child loggers (``keystone.backoff``...) are lifted for the
    block, so the capture sees what the ``name`` logger's level lets through.
    """
    logger = logging.getLogger(name)
    children = [
        child
        for child_name, child in logging.root.manager.loggerDict.items()
        if child_name.startswith(f"{name}.") and isinstance(child, logging.Logger)
    ]
    saved = [(child, child.level, child.disabled) for child in children]
    handler = CapturingHandler()
    old_level = logger.level
    for child in children:
        child.setLevel(logging.NOTSET)
        child.disabled = False
    logger.addHandler(handler)
    logger.setLevel(level)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
        for child, child_level, disabled in saved:
            child.setLevel(child_level)
            child.disabled = disabled


class CallRecorder:
    """A function-style middleware noting (kind, method, url) of every call it sees."""

    def __init__(self, name: str = "calls") -> None:
        self.name = name
        self.seen: list[tuple[str, str, str]] = []

    def __call__(self, request: Request, call_next: Handler) -> Response:
        self.seen.append((request.call.kind, request.method, request.url))
        return call_next(request)


class HookRecorder(HookMiddleware):
    """A hooks-style middleware noting what each hook saw."""

    name = "hooks"

    def __init__(self) -> None:
        self.events: list[tuple[str, str, str, Any]] = []

    def on_request(self, request: Request) -> None:
        self.events.append(("request", request.call.kind, request.method, None))

    def on_response(self, request: Request, response: Response) -> None:
        kind = request.call.kind
        self.events.append(("response", kind, request.method, response.status_code))

    def on_error(self, request: Request, error: BaseException) -> None:
        kind = request.call.kind
        self.events.append(("error", kind, request.method, type(error).__name__))
