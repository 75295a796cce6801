"""``KeystoneEmulator.restart()``: same port and database, signing key kept or replaced,
counters and pending faults carried over (run around ``runtime_app``, no Django)."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import urllib3

from keystone.testing import KeystoneEmulator


def _login(http: urllib3.PoolManager, emulator: KeystoneEmulator) -> str:
    credentials = {"username": emulator.admin_username, "password": emulator.admin_password}
    response = http.request("POST", emulator.url + "login/", json=credentials)
    assert response.status == 200
    token: str = response.json()["token"]
    return token


def _whoami(http: urllib3.PoolManager, emulator: KeystoneEmulator, token: str) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    return http.request("GET", emulator.url + "whoami/", headers=headers).status


def test_restart_keeps_port_data_and_tokens(
    runtime_emulator: KeystoneEmulator, http: urllib3.PoolManager
) -> None:
    url, pid, key = runtime_emulator.url, runtime_emulator.pid, runtime_emulator.config.secret_key
    token = _login(http, runtime_emulator)
    http.request("POST", url + "records/", json={"name": "kept"})
    runtime_emulator.restart()
    assert runtime_emulator.pid != pid
    assert runtime_emulator.url == url
    assert runtime_emulator.config.secret_key == key
    assert http.request("GET", url + "records/").json() == [{"id": 1, "name": "kept"}]
    assert _whoami(http, runtime_emulator, token) == 200


def test_restart_with_a_new_key_invalidates_tokens(
    runtime_emulator: KeystoneEmulator, http: urllib3.PoolManager
) -> None:
    key = runtime_emulator.config.secret_key
    token = _login(http, runtime_emulator)
    runtime_emulator.restart(new_secret_key=True)
    assert runtime_emulator.config.secret_key != key
    assert _whoami(http, runtime_emulator, token) == 401
    assert _whoami(http, runtime_emulator, _login(http, runtime_emulator)) == 200


def test_a_fixed_key_is_kept_unless_a_new_one_is_asked_for(
    runtime_emulator_factory: Callable[..., KeystoneEmulator], http: urllib3.PoolManager
) -> None:
    emulator = runtime_emulator_factory(secret_key="fixed-key")
    token = _login(http, emulator)
    emulator.restart()
    assert emulator.config.secret_key == "fixed-key"
    assert _whoami(http, emulator, token) == 200
    emulator.restart(new_secret_key=True)
    assert _whoami(http, emulator, token) == 401


def test_counters_are_carried_over_restarts(
    runtime_emulator: KeystoneEmulator, http: urllib3.PoolManager
) -> None:
    url = runtime_emulator.url
    http.request("POST", url + "records/", json={"name": "a"})
    runtime_emulator.restart()
    http.request("POST", url + "records/", json={"name": "b"})
    runtime_emulator.restart()
    assert runtime_emulator.stats.count(method="POST", path="/records/", status=201) == 2
    runtime_emulator.stats.reset()
    assert runtime_emulator.stats.total == 0
    http.request("GET", url + "records/")
    runtime_emulator.stop()
    assert runtime_emulator.stats.statuses() == {200: 1}


def test_pending_faults_survive_a_restart(
    runtime_emulator: KeystoneEmulator, http: urllib3.PoolManager
) -> None:
    runtime_emulator.faults.status(503, path="/records/", times=3, retry_after=1)
    assert http.request("GET", runtime_emulator.url + "records/").status == 503
    runtime_emulator.restart()
    pending = runtime_emulator.faults.list()
    assert [(rule.status, rule.remaining) for rule in pending] == [(503, 2)]
    statuses = [http.request("GET", runtime_emulator.url + "records/").status for _ in range(3)]
    assert statuses == [503, 503, 200]
    assert runtime_emulator.stats.statuses(path="/records/") == {200: 1, 503: 3}


def test_in_flight_requests_finish_before_a_restart(
    runtime_emulator: KeystoneEmulator, http: urllib3.PoolManager
) -> None:
    with ThreadPoolExecutor(1) as pool:
        slow = pool.submit(http.request, "GET", runtime_emulator.url + "sleep/?s=1")
        time.sleep(0.3)  # let the request reach the server, which then sleeps for 1 s
        runtime_emulator.restart()
        response = slow.result()
    assert response.status == 200
    assert response.headers["Connection"] == "close"
    assert response.json() == {"slept": True}
    assert runtime_emulator.stats.count(path="/sleep/", status=200) == 1
