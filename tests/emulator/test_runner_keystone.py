"""The runtime around the real Keystone application: faults, counters and restarts seen
through the API (login, clusters, the request log), the pytest fixtures and the CLI."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import urllib3
from urllib3.exceptions import ProtocolError

from keystone.testing import KeystoneEmulator

CLUSTERS = "allocations/clusters/"
EmulatorFactory = Callable[..., KeystoneEmulator]


class Api:
    """Minimal JSON calls over one urllib3 pool (retries and redirects off)."""

    def __init__(self, emulator: KeystoneEmulator) -> None:
        self.emulator = emulator
        self.http = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(connect=5, read=30))
        self.token = ""

    def login(self, username: str | None = None, password: str | None = None) -> dict[str, str]:
        credentials = {
            "username": username or self.emulator.admin_username,
            "password": password or self.emulator.admin_password,
        }
        response = self.http.request(
            "POST", self.emulator.url + "authentication/new/", json=credentials
        )
        assert response.status == 200, response.data
        tokens: dict[str, str] = response.json()
        self.token = tokens["access"]
        return tokens

    def call(self, method: str, endpoint: str, body: Any = None, **kw: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return self.http.request(
            method, self.emulator.url + endpoint, json=body, headers=headers, **kw
        )

    def cluster_names(self) -> list[str]:
        response = self.call("GET", CLUSTERS)
        assert response.status == 200, response.data
        return [cluster["name"] for cluster in response.json()]


@pytest.fixture
def api(keystone_emulator: KeystoneEmulator) -> Api:
    api = Api(keystone_emulator)
    api.login()
    keystone_emulator.stats.reset()
    return api


def test_pooled_keep_alive_connections_are_reused(api: Api) -> None:
    for _ in range(20):
        assert api.call("GET", CLUSTERS).status == 200
    assert api.emulator.stats.count(method="GET", path=CLUSTERS, status=200) == 20
    assert api.emulator.stats.connections == 1


def test_status_fault_with_retry_after(api: Api) -> None:
    api.emulator.faults.status(503, method="GET", path=CLUSTERS, times=2, retry_after=4)
    for _ in range(2):
        response = api.call("GET", CLUSTERS)
        assert response.status == 503
        assert response.headers["Retry-After"] == "4"
        assert response.json() == {"detail": "Service temporarily unavailable, try again later."}
    assert api.call("GET", CLUSTERS).status == 200
    assert api.emulator.stats.statuses(path=CLUSTERS) == {200: 1, 503: 2}


def test_drop_after_processing_creates_the_record(api: Api) -> None:
    api.emulator.faults.drop_after_processing(method="POST", path=CLUSTERS)
    with pytest.raises(ProtocolError):
        api.call("POST", CLUSTERS, {"name": "dropped-after"})
    assert api.cluster_names().count("dropped-after") == 1  # processed, though never answered
    stats = api.emulator.stats
    assert stats.count(method="POST", path=CLUSTERS) == 1
    assert stats.count(method="POST", path=CLUSTERS, dropped=True, processed=True) == 1


def test_drop_before_processing_creates_nothing(api: Api) -> None:
    api.emulator.faults.drop_before_processing(method="POST", path="allocations/*")
    with pytest.raises(ProtocolError):
        api.call("POST", CLUSTERS, {"name": "dropped-before"})
    assert "dropped-before" not in api.cluster_names()
    assert api.call("POST", CLUSTERS, {"name": "dropped-before"}).status == 201
    assert api.cluster_names().count("dropped-before") == 1
    assert api.emulator.stats.statuses(method="POST", path=CLUSTERS) == {0: 1, 201: 1}


def test_delay_then_processed(api: Api) -> None:
    api.emulator.faults.delay(0.3, path=CLUSTERS)
    started = time.monotonic()
    assert api.call("GET", CLUSTERS).status == 200
    assert time.monotonic() - started >= 0.3
    assert api.emulator.stats.count(fault="delay", status=200) == 1


def test_faults_and_control_calls_stay_out_of_the_request_log(api: Api) -> None:
    api.emulator.faults.status(429, method="GET", path="/users/users/", retry_after=60)
    assert api.call("GET", "users/users/").status == 429
    api.emulator.stats.count()
    api.emulator.faults.list()
    logged = {entry["endpoint"] for entry in api.call("GET", "logs/requests/").json()}
    assert "/users/users/" not in logged
    assert not any(endpoint.startswith("/__emulator__") for endpoint in logged)


def test_restart_keeps_data_and_tokens(keystone_emulator_factory: EmulatorFactory) -> None:
    emulator = keystone_emulator_factory(api="0.3.26")
    api = Api(emulator)
    tokens = api.login()
    assert api.call("POST", CLUSTERS, {"name": "survivor"}).status == 201
    url = emulator.url
    emulator.restart()
    assert emulator.url == url
    assert api.cluster_names() == ["survivor"]
    refreshed = api.call("POST", "authentication/refresh/", {"refresh": tokens["refresh"]})
    assert refreshed.status == 200
    assert emulator.stats.count(method="POST", path=CLUSTERS, status=201) == 1  # carried over


def test_restart_with_a_new_key_invalidates_tokens(
    keystone_emulator_factory: EmulatorFactory,
) -> None:
    emulator = keystone_emulator_factory(api="0.3.26")
    api = Api(emulator)
    tokens = api.login()
    assert api.call("POST", CLUSTERS, {"name": "kept"}).status == 201
    emulator.restart(new_secret_key=True)
    rejected = api.call("GET", CLUSTERS)
    assert rejected.status == 401
    assert rejected.json()["code"] == "token_not_valid"
    refresh = api.call("POST", "authentication/refresh/", {"refresh": tokens["refresh"]})
    assert refresh.status == 401
    api.login()
    assert api.cluster_names() == ["kept"]  # the data survived; only the tokens did not


def test_stop_leaves_no_process_and_no_files(
    keystone_emulator_factory: EmulatorFactory,
) -> None:
    emulator = keystone_emulator_factory(api="0.3.26", paginate=True, access_token_lifetime=60)
    pid, workdir = emulator.pid, Path(emulator.config.database_path or "").parent
    assert emulator.ready_seconds is not None
    assert workdir.exists()
    emulator.stop()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert not workdir.exists()


def test_the_fixtures_isolate_tests_sharing_the_session_emulator(tmp_path: Path) -> None:
    (tmp_path / "test_users_suite.py").write_text(
        textwrap.dedent(
            """
            import urllib3

            def test_first(keystone_emulator):
                keystone_emulator.faults.status(503, times=None)
                http = urllib3.PoolManager(retries=False)
                assert http.request("GET", keystone_emulator.url + "version/").status == 503
                assert keystone_emulator.stats.count() == 1

            def test_second_starts_clean(keystone_emulator):
                assert keystone_emulator.faults.list() == []
                assert keystone_emulator.stats.total == 0
                http = urllib3.PoolManager(retries=False)
                assert http.request("GET", keystone_emulator.url + "version/").status == 200

            def test_factory(keystone_emulator_factory, keystone_emulator):
                other = keystone_emulator_factory(
                    api="0.3.26", admin_username="root", admin_password="pw"
                )
                assert other.url != keystone_emulator.url
                assert other.admin_username == "root"
            """
        )
    )
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout


def test_cli_serves_the_keystone_api_until_interrupted() -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "keystone.testing",
            "--api=0.3.26",
            "--port=0",
            "--admin-password=pw",
            "--quiet",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = [process.stdout.readline() for _ in range(6)]
        assert banner[0].startswith("Keystone emulator ready at http://127.0.0.1:"), banner
        assert banner[1] == "  Keystone API 0.3.26\n" and banner[-1].startswith("Press Ctrl-C")
        url = banner[0].split()[-1]
        database = Path(next(line for line in banner if "database:" in line).split()[-1])
        http = urllib3.PoolManager(retries=False)
        login = http.request(
            "POST", url + "authentication/new/", json={"username": "admin", "password": "pw"}
        )
        assert login.status == 200
        assert set(login.json()) == {"access", "refresh"}
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
        assert process.returncode == 0, err
        assert "stopped (SIGINT)" in out
        assert not database.parent.exists()
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
