"""Run one emulator server process: ``python -m keystone.testing._serve [options]``.

The configuration comes from the ``KEYSTONE_EMULATOR_CONFIG`` environment variable (an
:class:`EmulatorConfig` in JSON). When the server is ready the process prints one line,
``KEYSTONE_EMULATOR_READY {"url": ..., "host": ..., "port": ..., "pid": ...}``, on stdout, and
from then on sends anything written to stdout to stderr instead, so a parent that stops reading
the pipe can never block it. It stops on SIGTERM, SIGINT, or (with ``--watch-stdin``) when its
stdin reaches end-of-file, which is what happens when the parent process dies.

Nothing imports this module; it is only run, in the server process.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from keystone.testing.config import CONFIG_ENV_VAR, EmulatorConfig
from keystone.testing.faults import FaultRule
from keystone.testing.httpd import DEFAULT_KEEPALIVE_TIMEOUT, EmulatorHTTPServer
from keystone.testing.serving import DEFAULT_APP_FACTORY, READY_PREFIX, StopFlag, serve


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
    parser.add_argument("--tls-cert", help="serve HTTPS with this certificate chain (PEM)")
    parser.add_argument("--tls-key", help="the private key of --tls-cert (PEM)")
    parser.add_argument(
        "--orphan-cleanup", metavar="DIR", help="directory to remove if the parent died"
    )
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
    parent = os.getppid()
    stop = StopFlag()
    stop.install_signal_handlers()
    if args.watch_stdin:
        stop.watch_stdin()
    try:
        serve(
            config,
            stop,
            _announce,
            app_factory=args.app_factory,
            keepalive_timeout=args.keepalive_timeout,
            access_log=args.access_log,
            faults=faults,
            state_path=args.state_file,
            tls=(args.tls_cert, args.tls_key) if args.tls_cert else None,
        )
    finally:
        # Nobody is left to read the state or remove the directory: do it here.
        if args.orphan_cleanup and os.getppid() != parent:
            shutil.rmtree(args.orphan_cleanup, ignore_errors=True)
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # Everything worth keeping is on disk (SQLite commits, the state file): skip tearing down
    # the interpreter and Django's modules, which only delays a restart.
    os._exit(code)
