"""``python -m keystone.testing``: argument parsing, the ready banner, programming the running
server from the test, and a clean stop on SIGINT and SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
import urllib3
from runtime_app import RUNTIME_APP, child_env

from keystone.testing import EmulatorControl, UserSpec
from keystone.testing.__main__ import build_parser, config_from_args


class CliServer:
    """A ``python -m keystone.testing`` process and the banner it printed."""

    def __init__(self, args: Sequence[str], app_factory: str | None = RUNTIME_APP) -> None:
        command = [sys.executable, "-m", "keystone.testing", "--api=0.3.26", "--port", "0", *args]
        env = dict(os.environ)
        if app_factory is not None:
            command.append(f"--app-factory={app_factory}")
            env.update(child_env())
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        self.banner = self._read_banner(timeout=60)
        match = re.search(r"ready at (http://\S+/)", self.banner)
        assert match, self.banner
        self.url = match.group(1)
        database = re.search(r"database: (\S+)", self.banner)
        assert database, self.banner
        self.database = Path(database.group(1))

    def _read_banner(self, timeout: float) -> str:
        lines: list[str] = []
        assert self.process.stdout is not None
        stdout = self.process.stdout

        def read() -> None:
            for line in stdout:
                lines.append(line)
                if line.startswith("Press Ctrl-C"):
                    return

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(timeout)
        if reader.is_alive() or not lines:
            self.process.kill()
            _, err = self.process.communicate()
            pytest.fail(f"the CLI did not print its banner: {''.join(lines)}{err}")
        return "".join(lines)

    def stop(self, signum: int) -> tuple[int, str, str]:
        self.process.send_signal(signum)
        out, err = self.process.communicate(timeout=30)
        return self.process.returncode, out, err


@pytest.fixture
def cli_servers() -> Iterator[list[CliServer]]:
    servers: list[CliServer] = []
    yield servers
    for server in servers:
        if server.process.poll() is None:
            server.process.kill()
            server.process.communicate()


def test_parser_builds_the_config() -> None:
    args = build_parser().parse_args(
        [
            "--api=0.3.26",
            "--host=127.0.0.1",
            "--port=8123",
            "--admin-username=boss",
            "--admin-password=hunter2",
            "--access-token-lifetime=60",
            "--refresh-token-lifetime=600",
            "--user-throttle=off",
            "--anon-throttle=5/min",
            "--paginate",
            "--user=bob:pw",
            "--user=carol:p:w:staff",
        ]
    )
    config = config_from_args(args, "/tmp/db.sqlite3")
    assert (config.host, config.port) == ("127.0.0.1", 8123)
    assert (config.admin_username, config.admin_password) == ("boss", "hunter2")
    assert (config.access_token_lifetime, config.refresh_token_lifetime) == (60, 600)
    assert (config.user_throttle, config.anon_throttle) == (None, "5/min")
    assert config.paginate
    assert config.users == (UserSpec("bob", "pw"), UserSpec("carol", "p:w", is_staff=True))
    assert config.secret_key  # a random one, fixed for this run
    assert config.database_path == "/tmp/db.sqlite3"
    defaults = config_from_args(build_parser().parse_args(["--api=0.3.26"]), "db")
    assert (defaults.port, defaults.user_throttle, defaults.paginate) == (8000, "10000/day", False)
    newest = config_from_args(build_parser().parse_args([]), "db")  # the default profile
    assert (newest.api, newest.user_throttle, newest.anon_throttle) == (
        "0.10.9",
        "300/min",
        "120/min",
    )
    fixed = config_from_args(
        build_parser().parse_args(["--api=0.3.26", "--secret-key=k", "--anon-throttle=none"]), ""
    )
    assert (fixed.secret_key, fixed.anon_throttle) == ("k", None)


def test_a_malformed_user_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--user=nobody"])
    assert "NAME:PASSWORD" in capsys.readouterr().err


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_serves_until_signalled_then_cleans_up(cli_servers: list[CliServer], signum: int) -> None:
    server = CliServer(["--admin-username=boss", "--admin-password=s3cret", "--user=bob:pw:staff"])
    cli_servers.append(server)
    assert "admin (staff): boss / s3cret" in server.banner
    assert "user (staff): bob / pw" in server.banner
    assert server.database.exists()
    http = urllib3.PoolManager(retries=False)
    login = http.request(
        "POST", server.url + "login/", json={"username": "boss", "password": "s3cret"}
    )
    assert login.status == 200
    code, out, err = server.stop(signum)
    assert code == 0, err
    assert f"stopped ({signal.Signals(signum).name})" in out
    assert '"POST /login/ HTTP/1.1" 200' in err  # the access log
    assert not server.database.parent.exists()


def test_another_process_programs_the_cli_server(cli_servers: list[CliServer]) -> None:
    server = CliServer(["--quiet"])
    cli_servers.append(server)
    control = EmulatorControl(server.url)
    control.faults.status(503, method="GET", path="/records/", retry_after=2)
    http = urllib3.PoolManager(retries=False)
    throttled = http.request("GET", server.url + "records/")
    assert (throttled.status, throttled.headers["Retry-After"]) == (503, "2")
    assert http.request("GET", server.url + "records/").status == 200
    assert control.stats.statuses(path="/records/") == {200: 1, 503: 1}
    code, _, err = server.stop(signal.SIGINT)
    assert code == 0
    assert "GET /records/" not in err  # --quiet


def test_a_busy_port_is_reported() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "keystone.testing",
                "--api=0.3.26",
                f"--port={port}",
                f"--app-factory={RUNTIME_APP}",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, **child_env()},
        )
    assert done.returncode == 1
    assert f"127.0.0.1:{port}" in done.stderr
    assert "Address already in use" in done.stderr
