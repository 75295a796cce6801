"""Command line: run a local Keystone API emulator until Ctrl-C (``python -m keystone.testing``).

The server runs in this process. Its database lives in a temporary directory removed on exit
(unless ``--database`` names a file to keep). Once ready it prints its URL, the credentials it
was given and its control-channel URL, which another process can program with
:class:`keystone.testing.EmulatorControl`.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from keystone.testing.config import EmulatorConfig, UserSpec
from keystone.testing.control import CONTROL_PREFIX
from keystone.testing.emulator import DATABASE_NAME, random_secret_key
from keystone.testing.httpd import DEFAULT_KEEPALIVE_TIMEOUT, EmulatorHTTPServer
from keystone.testing.serving import DEFAULT_APP_FACTORY, StopFlag, serve

_DISABLED = {"none", "off", "0", ""}


def _throttle(value: str) -> str | None:
    return None if value.strip().lower() in _DISABLED else value


def _user(value: str) -> UserSpec:
    staff = value.endswith(":staff")
    if staff:
        value = value[: -len(":staff")]
    name, sep, password = value.partition(":")
    if not sep or not name or not password:
        raise argparse.ArgumentTypeError(f"expected NAME:PASSWORD[:staff], not {value!r}")
    return UserSpec(username=name, password=password, is_staff=staff)


def build_parser() -> argparse.ArgumentParser:
    defaults = EmulatorConfig()
    parser = argparse.ArgumentParser(
        prog="python -m keystone.testing",
        description=(
            "Run a local Keystone API server for tests and development. When ready it prints "
            "its URL and the admin credentials you gave it (including the password: this is a "
            "local test server you configure yourself). Stop it with Ctrl-C."
        ),
    )
    add = parser.add_argument
    add("--host", default=defaults.host, help="address to listen on (default %(default)s)")
    add("--port", type=int, default=8000, help="port; 0 picks a free one (default %(default)s)")
    add("--admin-username", default=defaults.admin_username, help="staff user seeded at start")
    add("--admin-password", default=defaults.admin_password, help="its password (printed)")
    add(
        "--access-token-lifetime",
        type=float,
        default=defaults.access_token_lifetime,
        metavar="SECONDS",
        help="default %(default)g",
    )
    add(
        "--refresh-token-lifetime",
        type=float,
        default=defaults.refresh_token_lifetime,
        metavar="SECONDS",
        help="default %(default)g",
    )
    add(
        "--user-throttle",
        type=_throttle,
        default=defaults.user_throttle,
        metavar="RATE",
        help="e.g. 100/min; none or off disables (default %(default)s)",
    )
    add(
        "--anon-throttle",
        type=_throttle,
        default=defaults.anon_throttle,
        metavar="RATE",
        help="e.g. 10/min; none or off disables (default %(default)s)",
    )
    add("--secret-key", help="fixed token signing key (default: a random key per start)")
    add("--paginate", action="store_true", help="answer lists as {count,next,previous,results}")
    add(
        "--user",
        dest="users",
        action="append",
        type=_user,
        default=[],
        metavar="NAME:PASSWORD[:staff]",
        help="an extra account to seed (repeatable)",
    )
    add("--database", metavar="PATH", help="SQLite file to use and keep (default: temporary)")
    add(
        "--keepalive-timeout",
        type=float,
        default=DEFAULT_KEEPALIVE_TIMEOUT,
        metavar="SECONDS",
        help="how long idle connections stay open (default %(default)g)",
    )
    add("--quiet", action="store_true", help="do not log each request to stderr")
    add("--app-factory", default=DEFAULT_APP_FACTORY, help=argparse.SUPPRESS)
    return parser


def config_from_args(args: argparse.Namespace, database_path: str) -> EmulatorConfig:
    """The server configuration the command line describes."""
    return EmulatorConfig(
        host=args.host,
        port=args.port,
        admin_username=args.admin_username,
        admin_password=args.admin_password,
        access_token_lifetime=args.access_token_lifetime,
        refresh_token_lifetime=args.refresh_token_lifetime,
        user_throttle=args.user_throttle,
        anon_throttle=args.anon_throttle,
        secret_key=args.secret_key or random_secret_key(),
        paginate=args.paginate,
        users=tuple(args.users),
        database_path=database_path,
    )


def _banner(server: EmulatorHTTPServer, config: EmulatorConfig) -> None:
    lines = [
        f"Keystone emulator ready at {server.url}",
        f"  admin (staff): {config.admin_username} / {config.admin_password}",
        *(
            f"  user{' (staff)' if u.is_staff else ''}: {u.username} / {u.password}"
            for u in config.users
        ),
        f"  faults and counters: {server.url}{CONTROL_PREFIX.lstrip('/')}",
        f"  database: {config.database_path}",
        "Press Ctrl-C to stop.",
    ]
    print("\n".join(lines), flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    stop = StopFlag()
    stop.install_signal_handlers()
    workdir = Path(tempfile.mkdtemp(prefix="keystone-emulator-"))
    try:
        database = args.database or str(workdir / DATABASE_NAME)
        serve(
            config_from_args(args, database),
            stop,
            _banner,
            app_factory=args.app_factory,
            keepalive_timeout=args.keepalive_timeout,
            access_log=not args.quiet,
        )
    except OSError as exc:
        print(f"keystone emulator on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"Keystone emulator stopped ({stop.reason}).", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
