"""KeystoneEmulator's process lifecycle, run around the small ``runtime_app`` (no Django)."""

from __future__ import annotations

import gc
import json
import os
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import urllib3
from runtime_app import RUNTIME_APP, child_env

from keystone.testing import (
    EmulatorConfig,
    EmulatorStartError,
    KeystoneEmulator,
    UserSpec,
)

EmulatorFactory = Callable[..., KeystoneEmulator]


def _gone(pid: int, *, allow_zombie: bool = False) -> bool:
    """Whether ``pid`` no longer runs; a zombie counts only with ``allow_zombie``.

    Our own children must be reaped (no zombie). An orphan is reaped by whatever adopted it,
    which in some containers never happens, so for orphans a zombie is enough.
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    if allow_zombie:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return True
        return stat.rpartition(")")[2].split()[0] == "Z"
    return False


def test_start_exposes_url_credentials_and_config(
    runtime_emulator_factory: EmulatorFactory, http: urllib3.PoolManager
) -> None:
    emulator = runtime_emulator_factory(
        admin_username="root",
        admin_password="pw",
        users=[UserSpec("alice", "secret")],
        access_token_lifetime=2,
    )
    assert emulator.running
    assert emulator.url == f"http://127.0.0.1:{emulator.port}/"
    assert emulator.host == "127.0.0.1" and emulator.port > 0
    assert (emulator.admin_username, emulator.admin_password) == ("root", "pw")
    assert emulator.users == (UserSpec("alice", "secret"),)
    config = emulator.config
    assert config.port == emulator.port
    assert config.access_token_lifetime == 2
    assert config.secret_key  # chosen at start so that restart() can keep it
    assert config.database_path and Path(config.database_path).exists()
    assert emulator.ready_seconds is not None and emulator.ready_seconds > 0
    credentials = {"username": "root", "password": "pw"}
    login = http.request("POST", emulator.url + "login/", json=credentials)
    assert login.status == 200
    assert emulator.control.info()["pid"] == emulator.pid
    assert "running at" in repr(emulator) and "pw" not in repr(emulator)


def test_stop_reaps_the_process_and_removes_the_directory(
    runtime_emulator_factory: EmulatorFactory, http: urllib3.PoolManager
) -> None:
    emulator = runtime_emulator_factory()
    pid, port = emulator.pid, emulator.port
    database = Path(emulator.config.database_path or "")
    http.request("GET", emulator.url + "records/")
    emulator.stop()
    assert _gone(pid)
    assert not database.parent.exists()
    assert not emulator.running
    assert emulator.stats.count(path="/records/") == 1  # counters stay readable after stop
    with pytest.raises(RuntimeError, match="not running"):
        _ = emulator.url
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5)


def test_context_manager_and_start_again(http: urllib3.PoolManager) -> None:
    emulator = KeystoneEmulator(api="0.3.26", app_factory=RUNTIME_APP, env=child_env())
    with emulator as running:
        assert running is emulator
        http.request("POST", emulator.url + "records/", json={"name": "a"})
        first_pid = emulator.pid
    assert _gone(first_pid)
    with emulator:  # a fresh server: fresh database, counters from zero
        assert http.request("GET", emulator.url + "records/").json() == []
        assert emulator.stats.count(method="POST") == 0
    emulator.stop()  # stopping twice is harmless


def test_a_forgotten_emulator_is_stopped_when_collected() -> None:
    emulator = KeystoneEmulator(api="0.3.26", app_factory=RUNTIME_APP, env=child_env()).start()
    pid, workdir = emulator.pid, Path(emulator.config.database_path or "").parent
    del emulator
    gc.collect()
    assert _gone(pid)
    assert not workdir.exists()


def test_the_server_exits_and_cleans_up_when_its_parent_dies(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import json, os, sys
        from keystone.testing import KeystoneEmulator
        emulator = KeystoneEmulator(
            api="0.3.26", app_factory={RUNTIME_APP!r}, env={child_env()!r}
        ).start()
        print(json.dumps({{"pid": emulator.pid, "db": emulator.config.database_path}}), flush=True)
        os._exit(0)  # no cleanup at all: only the closed stdin pipe tells the server
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    info = json.loads(done.stdout)
    deadline = time.monotonic() + 10
    while not _gone(info["pid"], allow_zombie=True) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _gone(info["pid"], allow_zombie=True)
    assert not Path(info["db"]).parent.exists()  # the orphan removed its own directory


def test_startup_failure_reports_the_server_stderr() -> None:
    emulator = KeystoneEmulator(
        api="0.3.26", app_factory="runtime_app:failing_application", env=child_env()
    )
    with pytest.raises(EmulatorStartError, match="exited with code 1") as caught:
        emulator.start()
    assert "could not be built: boom" in str(caught.value)
    assert not emulator.running
    with pytest.raises(EmulatorStartError, match="No module named"):
        KeystoneEmulator(api="0.3.26", app_factory="no_such_module:app").start()


def test_startup_timeout_kills_the_server() -> None:
    emulator = KeystoneEmulator(
        api="0.3.26",
        app_factory="runtime_app:slow_application",
        env=child_env(),
        startup_timeout=0.5,
    )
    with pytest.raises(EmulatorStartError, match=r"not ready within 0\.5 s"):
        emulator.start()
    assert not emulator.running


def test_config_object_and_overrides_combine() -> None:
    base = EmulatorConfig(admin_username="a", paginate=True)
    emulator = KeystoneEmulator(base, api="0.3.26", admin_password="b", users=[UserSpec("u", "p")])
    assert (emulator.admin_username, emulator.admin_password) == ("a", "b")
    assert emulator.users == (UserSpec("u", "p"),)
    with pytest.raises(RuntimeError, match="not running"):
        _ = emulator.config
    with pytest.raises(TypeError):
        KeystoneEmulator(api="0.3.26", no_such_setting=1)


def test_the_parent_never_imports_django() -> None:
    script = textwrap.dedent(
        f"""
        import sys
        import keystone.testing.pytest_plugin
        from keystone.testing import KeystoneEmulator
        with KeystoneEmulator(
            api="0.3.26", app_factory={RUNTIME_APP!r}, env={child_env()!r}
        ) as emulator:
            emulator.faults.status(503)
            emulator.stats.count()
            emulator.restart()
        loaded = sorted(m for m in sys.modules if m == "django" or m.startswith("django."))
        assert not loaded, loaded
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)


def test_another_process_can_program_the_emulator(runtime_emulator: KeystoneEmulator) -> None:
    script = textwrap.dedent(
        f"""
        from keystone.testing import EmulatorControl
        control = EmulatorControl({runtime_emulator.url!r})
        control.faults.status(418, path="/records/")
        """
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    http = urllib3.PoolManager(retries=False)
    assert http.request("GET", runtime_emulator.url + "records/").status == 418
    assert runtime_emulator.stats.count(status=418) == 1
