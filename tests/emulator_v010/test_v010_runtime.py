"""Profiles, the control channel's commands, TLS, restarts and the CLI on the v0.10.9 profile."""

from __future__ import annotations

import signal
import ssl
import subprocess
import sys
from typing import Any

import pytest
import urllib3
from session_api import API, MEMBER, Session, unique

from keystone.testing import ControlError, EmulatorConfig, EmulatorControl, KeystoneEmulator
from keystone.testing.config import DEFAULT_API, KNOWN_APIS

pytest_plugins = ["pytester"]


def test_unknown_profiles_are_refused_naming_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"'0\.9'.*'0\.3\.26', '0\.4\.1', .* '0\.10\.9'"):
        KeystoneEmulator(api="0.9")
    with pytest.raises(ValueError, match="known profiles"):
        EmulatorConfig(api="1.0")
    lines = ("0.3.26", "0.4.1", "0.5.17", "0.6.21", "0.7.5", "0.8.7", "0.9.5", "0.10.9")
    assert DEFAULT_API in KNOWN_APIS == lines


def test_each_profile_has_its_own_default_throttles() -> None:
    assert EmulatorConfig.for_api("0.10.9").user_throttle == "300/min"
    assert EmulatorConfig.for_api("0.10.9").anon_throttle == "120/min"
    assert EmulatorConfig.for_api("0.3.26") == EmulatorConfig(api="0.3.26")
    assert EmulatorConfig.for_api("0.4.1").user_throttle == "10000/day"  # 0.4.1's own defaults
    assert EmulatorConfig.for_api("0.5.17").user_throttle == "300/min"
    assert KeystoneEmulator(api="0.10.9", user_throttle=None).api == "0.10.9"


def test_a_control_handle_from_the_url_runs_the_profiles_commands(v010: KeystoneEmulator) -> None:
    control = EmulatorControl(v010.url)
    assert control.info()["api"] == API
    key = control.create_token(MEMBER.username)
    assert Session(v010.url, token=key).get("authentication/whoami/").status == 200
    note = control.notify(MEMBER.username, "From elsewhere")
    assert note["subject"] == "From elsewhere" and note["message_html"] == ""
    with pytest.raises(ControlError, match="no user named 'nobody'") as refused:
        control.create_token("nobody")
    assert refused.value.status == 400
    name = unique("ended")  # its own user: the shared sessions of MEMBER stay
    Session.admin(v010).create("users/users/", {"username": name, "password": "Ended-pw-1234"})
    session = Session.logged_in(v010, name, "Ended-pw-1234")
    assert session.get("authentication/whoami/").status == 200
    assert control.end_sessions(name) == 1
    ended = session.get("authentication/whoami/")  # the session is gone: no credentials
    assert ended.status == 401 and ended.headers["WWW-Authenticate"] == "Token"


def test_the_0326_profile_says_it_has_no_such_commands(
    keystone_emulator_factory: Any,
) -> None:
    emulator: KeystoneEmulator = keystone_emulator_factory(api="0.3.26")
    with pytest.raises(ControlError, match=r"0\.3\.26 profile has no command 'create_token'"):
        emulator.create_token("admin")
    with pytest.raises(ControlError, match="its commands: none"):
        emulator.end_sessions("admin")


def test_https_with_the_ca_path_and_csrf_checks_the_referer(
    keystone_emulator_factory: Any,
) -> None:
    emulator: KeystoneEmulator = keystone_emulator_factory(api=API, tls=True)
    assert emulator.url.startswith("https://127.0.0.1:") and emulator.ca_path
    with pytest.raises(urllib3.exceptions.SSLError):
        urllib3.PoolManager(retries=False).request("GET", emulator.url + "version/")
    session = Session.admin(emulator)  # a verified HTTPS login
    assert session.get("authentication/whoami/").json()["username"] == "admin"
    body = {"name": "tls-team"}
    no_referer = session.post("users/teams/", body)
    assert no_referer.status == 403
    assert no_referer.json() == {"detail": "CSRF Failed: Referer checking failed - no Referer."}
    same_origin = session.post("users/teams/", body, headers={"Referer": emulator.url})
    assert same_origin.status == 201
    foreign = session.post(
        "users/teams/", {"name": "tls-2"}, headers={"Origin": "https://evil.example"}
    )
    assert foreign.status == 403 and "Origin checking failed" in foreign.json()["detail"]
    assert emulator.faults.status(503, path="/version/").status == 503  # control over TLS
    assert Session(emulator.url, ca_certs=emulator.ca_path).get("version/").status == 503
    context = ssl.create_default_context(cafile=emulator.ca_path)
    assert context.get_ca_certs()[0]["subject"]


def test_a_restart_keeps_sessions_tokens_and_counters(keystone_emulator_factory: Any) -> None:
    emulator: KeystoneEmulator = keystone_emulator_factory(api=API, user_throttle=None)
    session = Session.admin(emulator)
    key = emulator.create_token("admin")
    emulator.restart()
    assert session.get("authentication/whoami/").status == 200
    assert Session(emulator.url, token=key).get("authentication/whoami/").status == 200
    assert emulator.stats.count(method="POST", path="/authentication/login/") == 1
    assert emulator.ready_seconds is not None


def test_the_cli_serves_https_with_a_given_token(tmp_path: Any) -> None:
    key = "0123456789abcdef0123456789abcdef01234567"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "keystone.testing",
            "--api=0.10.9",
            "--port=0",
            "--tls",
            f"--token=admin:{key}",
            "--quiet",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = []
        while not banner or not banner[-1].startswith("Press Ctrl-C"):
            banner.append(process.stdout.readline())
            assert banner[-1], (banner, process.stderr.read() if process.stderr else "")
        url = banner[0].split()[-1]
        assert url.startswith("https://") and "  Keystone API 0.10.9\n" in banner
        assert f"  API token: admin / {key}\n" in banner
        ca_path = next(line for line in banner if "CA certificate:" in line).split()[-1]
        http = urllib3.PoolManager(retries=False, ca_certs=ca_path)
        whoami = http.request(
            "GET", url + "authentication/whoami/", headers={"Authorization": f"Token {key}"}
        )
        assert whoami.status == 200 and whoami.json()["username"] == "admin"
        assert http.request("GET", url + "__emulator__/").json()["api"] == "0.10.9"
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
        assert process.returncode == 0, err
        assert "stopped (SIGINT)" in out
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def test_the_cli_refuses_tokens_on_the_0326_profile() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "keystone.testing", "--api=0.3.26", "--token=admin:k"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2 and "--token needs --api 0.4.1 or later" in result.stderr


def test_the_session_fixture_takes_its_profile_from_the_command_line(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        def test_profile(keystone_emulator, keystone_emulator_api):
            assert keystone_emulator_api == keystone_emulator.api == "0.10.9"
            assert keystone_emulator.url.startswith("http://127.0.0.1:")
        """
    )
    result = pytester.runpytest_subprocess("--keystone-api=0.10.9", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
