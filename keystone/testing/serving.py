"""Running a server until asked to stop: shared by the server subprocess and the CLI.

:func:`serve` binds, builds the WSGI application from an import path (so Django is imported
only in the process that serves), serves, and on a stop request closes cleanly and leaves its
final counters and pending faults behind for a restarting parent. :class:`StopFlag` turns
SIGTERM, SIGINT or the end of stdin into that stop request.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from keystone.testing.config import EmulatorConfig
from keystone.testing.faults import FaultRule
from keystone.testing.httpd import DEFAULT_KEEPALIVE_TIMEOUT, EmulatorHTTPServer
from keystone.testing.tls import server_context

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

READY_PREFIX = "KEYSTONE_EMULATOR_READY "
DEFAULT_APP_FACTORY = "keystone.testing.profiles:build_application"

AppFactory = Callable[[EmulatorConfig], "WSGIApplication"]


class StopFlag:
    """Set from a signal handler or a watcher thread; polled by the main thread.

    A plain attribute is the one thing that is safe to touch from a signal handler. A watcher
    thread also wakes the main thread at once (``wake``), so a stop asked for by closing stdin,
    the way an emulator is stopped, is not delayed by the polling.
    """

    def __init__(self) -> None:
        self.reason: str | None = None
        self._wake = threading.Event()

    def request(self, reason: str, *, wake: bool = False) -> None:
        """Ask to stop; ``wake`` (never from a signal handler) ends a :meth:`wait` at once."""
        if self.reason is None:
            self.reason = reason
        if wake:
            self._wake.set()

    def install_signal_handlers(self) -> None:
        """Turn SIGTERM and SIGINT into a stop request (main thread only)."""

        def handler(signum: int, _frame: object) -> None:
            self.request(signal.Signals(signum).name)

        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)

    def watch_stdin(self) -> None:
        """Stop when stdin closes: the parent holds the other end and never writes to it."""

        def watch() -> None:
            # The raw file descriptor, not sys.stdin: a daemon thread blocked inside a buffered
            # reader would hold its lock while the interpreter shuts down.
            try:
                while os.read(fd, 1):
                    pass
            except OSError:
                pass
            self.request("stdin closed", wake=True)

        fd = sys.stdin.fileno()

        threading.Thread(target=watch, name="keystone-emulator-stdin", daemon=True).start()

    def wait(self, poll_interval: float = 0.05) -> str:
        while self.reason is None:
            self._wake.wait(poll_interval)
        return self.reason


def load_app_factory(spec: str) -> AppFactory:
    """Import ``"module:callable"`` (a callable taking the config and returning a WSGI app)."""
    module_name, _, attribute = spec.partition(":")
    module = importlib.import_module(module_name)
    factory: AppFactory = getattr(module, attribute or "build_application")
    return factory


def serve(
    config: EmulatorConfig,
    stop: StopFlag,
    on_ready: Callable[[EmulatorHTTPServer, EmulatorConfig], None],
    *,
    app_factory: str = DEFAULT_APP_FACTORY,
    keepalive_timeout: float = DEFAULT_KEEPALIVE_TIMEOUT,
    access_log: bool = False,
    faults: Sequence[FaultRule] = (),
    state_path: str | None = None,
    tls: tuple[str, str] | None = None,
) -> None:
    """Bind, build the application, serve until ``stop`` is requested, then close cleanly.

    The socket is bound before the application is built, so the application receives the
    config with the real port. ``faults`` are installed before the first request is accepted.
    On the way out, the counters and pending faults are written to ``state_path`` (JSON) so a
    restarting parent can carry them over. ``tls`` (certificate chain and key files) makes it
    serve HTTPS.
    """
    server = EmulatorHTTPServer(
        (config.host, config.port),
        keepalive_timeout=keepalive_timeout,
        access_log=access_log,
        ssl_context=server_context(*tls) if tls else None,
    )
    try:
        effective = config.replace(port=server.port)
        server.app = load_app_factory(app_factory)(effective)
        server.api = effective.api
        server.control.commands = getattr(server.app, "emulator_commands", None) or {}
        for rule in faults:
            server.faults.add(rule)
        server.start()
        on_ready(server, effective)
        stop.wait()
    finally:
        server.close()
        if state_path is not None:
            state = {
                "stats": server.stats.snapshot().to_dict(),
                "faults": [rule.to_dict() for rule in server.faults.rules()],
            }
            tmp = Path(state_path + ".tmp")
            tmp.write_text(json.dumps(state), encoding="utf-8")
            tmp.replace(state_path)
