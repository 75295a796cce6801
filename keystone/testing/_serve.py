"""Run one emulator server process: ``python -m keystone.testing._serve [options]``.

The configuration comes from the ``KEYSTONE_EMULATOR_CONFIG`` environment variable (an
:class:`EmulatorConfig` in JSON). When the server is ready the process prints one line,
``KEYSTONE_EMULATOR_READY {"url": ..., "host": ..., "port": ..., "pid": ...}``, on stdout, and
from then on sends anything written to stdout to stderr instead, so a parent that stops reading
the pipe can never block it. It stops on SIGTERM, SIGINT, or (with ``--watch-stdin``) when its
stdin reaches end-of-file, which is what happens when the parent process dies.

The application is imported only here, in the server process: the parent never imports Django.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from keystone.testing.config import CONFIG_ENV_VAR, EmulatorConfig
from keystone.testing.faults import FaultRule
from keystone.testing.httpd import DEFAULT_KEEPALIVE_TIMEOUT, EmulatorHTTPServer

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

READY_PREFIX = "KEYSTONE_EMULATOR_READY "
DEFAULT_APP_FACTORY = "keystone.testing.server.bootstrap:build_application"

AppFactory = Callable[[EmulatorConfig], "WSGIApplication"]


class StopFlag:
    """Set from a signal handler or a watcher thread; polled by the main thread.

    A plain attribute is the one thing that is safe to touch from a signal handler.
    """

    def __init__(self) -> None:
        self.reason: str | None = None

    def request(self, reason: str) -> None:
        if self.reason is None:
            self.reason = reason

    def install_signal_handlers(self) -> None:
        """Turn SIGTERM and SIGINT into a stop request (main thread only)."""

        def handler(signum: int, _frame: object) -> None:
            self.request(signal.Signals(signum).name)

        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)

    def watch_stdin(self) -> None:
        """Stop when stdin closes: the parent holds the other end and never writes to it."""

        def watch() -> None:
            try:
                while sys.stdin.buffer.read(1):
                    pass
            except (OSError, ValueError):
                pass
            self.request("stdin closed")

        threading.Thread(target=watch, name="keystone-emulator-stdin", daemon=True).start()

    def wait(self, poll_interval: float = 0.05) -> str:
        while self.reason is None:
            time.sleep(poll_interval)
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
) -> None:
    """Bind, build the application, serve until ``stop`` is requested, then close cleanly.

    The socket is bound before the application is built, so the application receives the
    config with the real port. ``faults`` are installed before the first request is accepted.
    On the way out, the counters and pending faults are written to ``state_path`` (JSON) so a
    restarting parent can carry them over.
    """
    server = EmulatorHTTPServer(
        (config.host, config.port), keepalive_timeout=keepalive_timeout, access_log=access_log
    )
    try:
        effective = config.replace(port=server.port)
        server.app = load_app_factory(app_factory)(effective)
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


def _announce(server: EmulatorHTTPServer, _config: EmulatorConfig) -> None:
    info = {"url": server.url, "host": server.host, "port": server.port, "pid": os.getpid()}
    sys.stdout.write(READY_PREFIX + json.dumps(info) + "\n")
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m keystone.testing._serve")
    parser.add_argument("--app-factory", default=DEFAULT_APP_FACTORY)
    parser.add_argument("--keepalive-timeout", type=float, default=DEFAULT_KEEPALIVE_TIMEOUT)
    parser.add_argument("--access-log", action="store_true")
    parser.add_argument("--watch-stdin", action="store_true")
    parser.add_argument("--faults-file", help="JSON list of fault rules to install at start")
    parser.add_argument("--state-file", help="where to write counters and faults on exit")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    raw = os.environ.get(CONFIG_ENV_VAR)
    if raw is None:
        print(f"{CONFIG_ENV_VAR} is not set", file=sys.stderr)
        return 2
    config = EmulatorConfig.from_json(raw)
    faults: list[FaultRule] = []
    if args.faults_file:
        items: list[dict[str, Any]] = json.loads(Path(args.faults_file).read_text("utf-8"))
        faults = [FaultRule.from_dict(item) for item in items]
    stop = StopFlag()
    stop.install_signal_handlers()
    if args.watch_stdin:
        stop.watch_stdin()
    serve(
        config,
        stop,
        _announce,
        app_factory=args.app_factory,
        keepalive_timeout=args.keepalive_timeout,
        access_log=args.access_log,
        faults=faults,
        state_path=args.state_file,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
