"""Command line: run a local Keystone API emulator until Ctrl-C (``python -m keystone.testing``).

The server runs in this process. Its database lives in a temporary directory removed on exit
(unless ``--database`` names a file to keep). Once ready it prints its URL, the credentials it
was given and its control-channel URL, which another process can program with
:class:`keystone.testing.EmulatorControl`. ``--api`` picks the server profile, ``--tls`` serves
HTTPS with a throwaway certificate (its CA file is printed), ``--client-certs`` with it requires
a client certificate (mutual TLS; the one issued for you is printed), and ``--token USER:KEY``
gives an account a known API token (0.10.9).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from keystone.testing.config import (
    DEFAULT_API,
    KNOWN_APIS,
    EmulatorConfig,
    TokenSpec,
    UserSpec,
)
from keystone.testing.control import CONTROL_PREFIX
from keystone.testing.emulator import DATABASE_NAME, random_secret_key
from keystone.testing.httpd import DEFAULT_KEEPALIVE_TIMEOUT, EmulatorHTTPServer
from keystone.testing.serving import DEFAULT_APP_FACTORY, StopFlag, serve
from keystone.testing.tls import TlsFiles, make_certificates

_DISABLED = {"none", "off", "0", ""}
_PROFILE = "profile"  # a throttle option left at the profile's default


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


def _token(value: str) -> TokenSpec:
    name, sep, key = value.partition(":")
    if not sep or not name or not key:
        raise argparse.ArgumentTypeError(f"expected USER:KEY, not {value!r}")
    return TokenSpec(username=name, key=key)


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
    add(
        "--api",
        choices=KNOWN_APIS,
        default=DEFAULT_API,
        help="the Keystone server version to imitate (default %(default)s)",
    )
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
        default=_PROFILE,
        metavar="RATE",
        help="e.g. 100/min; none or off disables (default: the profile's, "
        f"{defaults.user_throttle} for 0.3.26, 300/min for 0.10.9)",
    )
    add(
        "--anon-throttle",
        type=_throttle,
        default=_PROFILE,
        metavar="RATE",
        help="e.g. 10/min; none or off disables (default: the profile's, "
        f"{defaults.anon_throttle} for 0.3.26, 120/min for 0.10.9)",
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
    add(
        "--token",
        dest="tokens",
        action="append",
        type=_token,
        default=[],
        metavar="USER:KEY",
        help="give an existing account this API token (0.10.9; repeatable)",
    )
    add("--tls", action="store_true", help="serve HTTPS with a throwaway certificate")
    add(
        "--client-certs",
        action="store_true",
        help="with --tls: require a client certificate (one is issued and printed)",
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
    profile = EmulatorConfig.for_api(args.api)
    throttles = {
        name: getattr(profile, name) if value == _PROFILE else value
        for name, value in (
            ("user_throttle", args.user_throttle),
            ("anon_throttle", args.anon_throttle),
        )
    }
    return EmulatorConfig(
        api=args.api,
        tokens=tuple(args.tokens),
        host=args.host,
        port=args.port,
        admin_username=args.admin_username,
        admin_password=args.admin_password,
        access_token_lifetime=args.access_token_lifetime,
        refresh_token_lifetime=args.refresh_token_lifetime,
        **throttles,
        secret_key=args.secret_key or random_secret_key(),
        paginate=args.paginate,
        users=tuple(args.users),
        database_path=database_path,
    )


def _banner(
    server: EmulatorHTTPServer, config: EmulatorConfig, tls: TlsFiles | None = None
) -> None:
    lines = [
        f"Keystone emulator ready at {server.url}",
        f"  Keystone API {config.api}",
        f"  admin (staff): {config.admin_username} / {config.admin_password}",
        *(
            f"  user{' (staff)' if u.is_staff else ''}: {u.username} / {u.password}"
            for u in config.users
        ),
        f"  faults and counters: {server.url}{CONTROL_PREFIX.lstrip('/')}",
        *(f"  API token: {t.username} / {t.key}" for t in config.tokens),
        *([f"  CA certificate: {tls.ca_path}"] if tls else []),
        *(
            [f"  client certificate: {tls.client_cert_path}  key: {tls.client_key_path}"]
            if tls and tls.client_cert_path
            else []
        ),
        f"  database: {config.database_path}",
        "Press Ctrl-C to stop.",
    ]
    print("\n".join(lines), flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.tokens and args.api == "0.3.26":
        parser.error(
            "--token needs --api 0.4.1 or later (the 0.3.26 server has no API tokens; those "
            "before 0.6.4 make them but do not read them)"
        )
    if args.client_certs and not args.tls:
        parser.error("--client-certs needs --tls: client certificates are a part of TLS")
    stop = StopFlag()
    stop.install_signal_handlers()
    workdir = Path(tempfile.mkdtemp(prefix="keystone-emulator-"))
    try:
        database = args.database or str(workdir / DATABASE_NAME)
        tls = (
            make_certificates(workdir, args.host, client_certs=args.client_certs)
            if args.tls
            else None
        )
        serve(
            config_from_args(args, database),
            stop,
            lambda server, config: _banner(server, config, tls),
            app_factory=args.app_factory,
            keepalive_timeout=args.keepalive_timeout,
            access_log=not args.quiet,
            tls=(tls.cert_path, tls.key_path) if tls else None,
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
