"""``KeystoneEmulator``: a local Keystone API server in a subprocess, for tests.

The server runs in its own process (``python -m keystone.testing._serve``), so the process under
test never imports Django, and a restart is a real process restart. Its SQLite database and log
live in a temporary directory removed on :meth:`KeystoneEmulator.stop`; a forgotten emulator is
stopped when it is garbage-collected or when the interpreter exits.

Counters survive :meth:`~KeystoneEmulator.restart`: the stopping server writes its final counts
and pending faults to its working directory, the emulator adds those counts to the new
server's live counts in every query, and the pending faults are installed in the new server
before it accepts its first request. :meth:`~KeystoneEmulator.start` begins from zero.
"""

from __future__ import annotations

import secrets
import tempfile
import time
import weakref
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from keystone.testing._process import LOG_NAME, ServerResources, spawn_server
from keystone.testing.config import DEFAULT_API, EmulatorConfig, UserSpec, check_api
from keystone.testing.faults import FaultRule
from keystone.testing.httpd import DEFAULT_KEEPALIVE_TIMEOUT
from keystone.testing.remote import EmulatorControl, FaultInjector, Stats
from keystone.testing.serving import DEFAULT_APP_FACTORY
from keystone.testing.stats import StatsSnapshot
from keystone.testing.tls import TlsFiles, make_certificates

DATABASE_NAME = "keystone.sqlite3"


def random_secret_key() -> str:
    """A random signing key, like the one a Keystone server without a configured key picks."""
    return secrets.token_urlsafe(48)


class KeystoneEmulator:
    """A Keystone API server on a free loopback port, with fault injection and counters.

    ``api`` chooses the server profile: the Keystone release it imitates, the last of each
    release line (``"0.3.26"``, ``"0.4.1"``, ``"0.5.17"``, ``"0.6.21"``, ``"0.7.5"``,
    ``"0.8.7"``, ``"0.9.5"``, ``"0.10.9"``; default
    :data:`~keystone.testing.config.DEFAULT_API`); without a ``config`` the emulator gets
    :meth:`EmulatorConfig.for_api(api) <EmulatorConfig.for_api>`, the profile's defaults.
    ``config`` may be adjusted with keyword ``overrides`` naming its fields, e.g.
    ``KeystoneEmulator(access_token_lifetime=2, paginate=True)``. ``tls=True`` serves HTTPS
    with a throwaway certificate whose CA is :attr:`ca_path`; with ``client_certs=True`` as well
    the server requires a client certificate (mutual TLS), and that CA issues one for the
    tests: :attr:`client_cert_path` and :attr:`client_key_path` (``cert=`` of a client).
    ``keepalive_timeout`` is how long the server keeps an idle connection open;
    ``startup_timeout`` bounds the wait for the server to be ready; ``env`` adds environment
    variables for the server process; ``app_factory`` (``"module:callable"``, taking the config
    and returning a WSGI application) replaces the Keystone application.
    """

    def __init__(
        self,
        config: EmulatorConfig | None = None,
        *,
        api: str | None = None,
        tls: bool = False,
        client_certs: bool = False,
        keepalive_timeout: float = DEFAULT_KEEPALIVE_TIMEOUT,
        startup_timeout: float = 30.0,
        access_log: bool = False,
        env: Mapping[str, str] | None = None,
        app_factory: str = DEFAULT_APP_FACTORY,
        **overrides: Any,
    ) -> None:
        for name in ("users", "tokens"):
            if name in overrides:
                overrides[name] = tuple(overrides[name])
        if api is not None:
            check_api(api)
        if config is None:
            base = EmulatorConfig.for_api(api or DEFAULT_API)
        else:
            base = config if api is None else config.replace(api=api)
        self._requested = base.replace(**overrides) if overrides else base
        if client_certs and not tls:
            raise ValueError(
                "client_certs=True needs tls=True: client certificates are a part of TLS"
            )
        self._tls = tls
        self._client_certs = client_certs
        self._tls_files: TlsFiles | None = None
        self._keepalive_timeout = keepalive_timeout
        self._startup_timeout = startup_timeout
        self._access_log = access_log
        self._env = dict(env or {})
        self._app_factory = app_factory
        self._config: EmulatorConfig | None = None
        self._resources: ServerResources | None = None
        self._finalizer: weakref.finalize[[], KeystoneEmulator] | None = None
        self._control: EmulatorControl | None = None
        self._carried = StatsSnapshot()
        self.stats = Stats(self._stats_snapshot, self._stats_reset)
        """Request counters (see :class:`~keystone.testing.stats.StatsQueries`)."""
        self.ready_seconds: float | None = None
        """How long the last start or restart took until the server was ready."""

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> KeystoneEmulator:
        """Start the server and return once it accepts requests."""
        if self._resources is not None:
            raise RuntimeError("this emulator is already running")
        workdir = Path(tempfile.mkdtemp(prefix="keystone-emulator-"))
        resources = ServerResources(workdir)
        self._resources = resources
        self._finalizer = weakref.finalize(self, resources.close)
        self._carried = StatsSnapshot()
        self._tls_files = (
            make_certificates(workdir, self._requested.host, client_certs=self._client_certs)
            if self._tls
            else None
        )
        config = self._requested.replace(
            database_path=self._requested.database_path or str(workdir / DATABASE_NAME),
            secret_key=self._requested.secret_key or random_secret_key(),
        )
        try:
            self._launch(config)
        except BaseException:
            self._release()
            raise
        return self

    def stop(self) -> None:
        """Stop the server (waiting for it to exit) and remove its temporary directory.

        Counters stay readable afterwards. Stopping a stopped emulator does nothing.
        """
        if self._resources is None:
            return
        try:
            self._carried = self._carried + self._resources.stop_process().stats
        finally:
            self._release()

    def restart(self, new_secret_key: bool = False) -> None:
        """Stop the server and start a new one on the same port with the same database.

        The signing key is kept, so issued tokens stay valid, unless ``new_secret_key`` is true:
        then every token issued so far is rejected, as by a real server restarted without a
        fixed key. Counters and pending faults carry over.
        """
        resources = self._require_running()
        config = self._current_config()
        state = resources.stop_process()
        self._carried = self._carried + state.stats
        self._control = None
        if new_secret_key:
            config = config.replace(secret_key=random_secret_key())
        self._launch(config, faults=state.faults)

    def _launch(self, config: EmulatorConfig, faults: list[FaultRule] | None = None) -> None:
        resources = self._require_running()
        started = time.perf_counter()
        process = spawn_server(
            config,
            resources.workdir,
            app_factory=self._app_factory,
            keepalive_timeout=self._keepalive_timeout,
            startup_timeout=self._startup_timeout,
            access_log=self._access_log,
            faults=faults or (),
            env=self._env,
            tls=self._tls_files,
        )
        self.ready_seconds = time.perf_counter() - started
        resources.process = process
        self._config = config.replace(host=process.host, port=process.port)
        self._control = EmulatorControl(process.url, ca_path=self.ca_path)

    def _release(self) -> None:
        if self._finalizer is not None:
            self._finalizer()
        self._finalizer = None
        self._resources = None
        self._control = None

    def __enter__(self) -> KeystoneEmulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- what tests use ----------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """Whether the server process is up (as far as this object knows)."""
        return self._resources is not None and self._resources.process is not None

    @property
    def config(self) -> EmulatorConfig:
        """The configuration in effect: real port, database path and signing key filled in."""
        return self._current_config()

    @property
    def url(self) -> str:
        """Base URL with a trailing slash, e.g. ``http://127.0.0.1:PORT/`` (``https`` with TLS)."""
        return self._require_control().url

    @property
    def api(self) -> str:
        """The server profile, e.g. ``"0.10.9"``."""
        return self._requested.api

    @property
    def ca_path(self) -> str | None:
        """With ``tls=True``, the PEM file of the CA that signed the server's certificate.

        Pass it to a client as its trust store (``verify=``, ``ca_certs=``, ``cafile=``); it
        stays valid across :meth:`restart` and is removed by :meth:`stop`.
        """
        return self._tls_files.ca_path if self._tls_files is not None else None

    @property
    def client_cert_path(self) -> str | None:
        """With ``client_certs=True``, the PEM file of a client certificate (its chain) the
        server accepts; give it with :attr:`client_key_path` as ``cert=(cert, key)``."""
        return self._tls_files.client_cert_path if self._tls_files is not None else None

    @property
    def client_key_path(self) -> str | None:
        """With ``client_certs=True``, the PEM file of :attr:`client_cert_path`'s private key."""
        return self._tls_files.client_key_path if self._tls_files is not None else None

    @property
    def host(self) -> str:
        return self._current_config().host

    @property
    def port(self) -> int:
        return self._current_config().port

    @property
    def admin_username(self) -> str:
        return self._requested.admin_username

    @property
    def admin_password(self) -> str:
        return self._requested.admin_password

    @property
    def users(self) -> tuple[UserSpec, ...]:
        """The extra accounts seeded at start (besides the staff admin)."""
        return self._requested.users

    @property
    def pid(self) -> int:
        """Process id of the current server process."""
        resources = self._require_running()
        assert resources.process is not None
        return resources.process.popen.pid

    @property
    def faults(self) -> FaultInjector:
        """Programs fault rules on the running server."""
        return self._require_control().faults

    @property
    def control(self) -> EmulatorControl:
        """The control-channel handle (also usable from other processes via :attr:`url`)."""
        return self._require_control()

    def create_token(self, username: str) -> str:
        """The DRF API token of ``username`` (0.4.1 and later, read from 0.6.4 on); see
        :meth:`EmulatorControl.create_token`."""
        return self._require_control().create_token(username)

    def notify(self, username: str, subject: str, message: str = "") -> dict[str, Any]:
        """Send ``username`` a notification (0.6.21 on); see :meth:`EmulatorControl.notify`."""
        return self._require_control().notify(username, subject, message)

    def end_sessions(self, username: str) -> int:
        """End every session of ``username`` (0.4.1 and later); see
        :meth:`EmulatorControl.end_sessions`."""
        return self._require_control().end_sessions(username)

    def server_log(self) -> str:
        """What the server process wrote to stderr so far."""
        resources = self._require_running()
        try:
            return (resources.workdir / LOG_NAME).read_text("utf-8", "replace")
        except OSError:
            return ""

    def __repr__(self) -> str:
        state = f"running at {self.url}" if self.running else "stopped"
        return f"<KeystoneEmulator {self.api} {state}>"

    # -- helpers -----------------------------------------------------------------------------

    def _stats_snapshot(self) -> StatsSnapshot:
        if self._control is None:
            return self._carried
        return self._carried + self._control.stats.snapshot()

    def _stats_reset(self) -> None:
        self._carried = StatsSnapshot()
        if self._control is not None:
            self._control.stats.reset()

    def _require_running(self) -> ServerResources:
        if self._resources is None:
            raise RuntimeError("this emulator is not running; call start() or use it in a with")
        return self._resources

    def _require_control(self) -> EmulatorControl:
        self._require_running()
        if self._control is None:
            raise RuntimeError("the emulator server is not running (a restart failed?)")
        return self._control

    def _current_config(self) -> EmulatorConfig:
        self._require_running()
        if self._config is None:
            raise RuntimeError("the emulator server has not started")
        return self._config
