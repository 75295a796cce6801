"""Configuration from the environment: ``KEYSTONE_URL``, ``KEYSTONE_API_TOKEN``,
``KEYSTONE_LOG``, and ``trust_env=False`` ignoring them.

The main flows run in a subprocess, as a script would: the variables are read there, and
``KEYSTONE_LOG`` turns logging on for that process only.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from collections.abc import Callable

import pytest
from guide_runner import DOCS, for_emulator, python_blocks
from local_server import Canned, LocalServer

from keystone import KeystoneClient, Response, StaticTokenAuth
from keystone._environment import EnvironmentTokenAuth
from keystone.testing import KeystoneEmulator, MockTransport

GUIDE = DOCS / "configuration.md"

#: The guide's first example, which a user runs with the variables set; then a line of ours.
SCRIPT = python_blocks(GUIDE.read_text(encoding="utf-8"))[0][1] + (
    'print("clusters", len(client.retrieve_cluster()))\n'
)

VARIABLES = ("KEYSTONE_URL", "KEYSTONE_API_TOKEN", "KEYSTONE_LOG")


def _run(script: str, **variables: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in VARIABLES}
    env.update(variables)
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env=env
    )


@pytest.fixture(autouse=True)
def _no_keystone_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_a_script_configured_only_by_the_environment_runs(
    line_emulators: Callable[[str], KeystoneEmulator],
) -> None:
    emulator = line_emulators("0.10.9")
    token = emulator.create_token(emulator.admin_username)
    done = _run(SCRIPT, KEYSTONE_URL=emulator.url, KEYSTONE_API_TOKEN=token, KEYSTONE_LOG="info")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == f"{emulator.url.rstrip('/')}/ True"
    assert lines[1] == emulator.admin_username
    assert lines[2].startswith("clusters ")
    # KEYSTONE_LOG=info: a line per call on stderr, and the token nowhere in it
    calls = [line for line in done.stderr.splitlines() if " keystone.http INFO " in line]
    assert any("whoami/ -> 200 OK" in line for line in calls), done.stderr
    assert any("GET /allocations/clusters/" in line for line in calls), done.stderr
    assert "keystone.wire" not in done.stderr  # DEBUG is not on
    assert token not in done.stderr and token not in done.stdout


def test_keystone_log_debug_shows_each_exchange_with_the_token_hidden(
    line_emulators: Callable[[str], KeystoneEmulator],
) -> None:
    emulator = line_emulators("0.10.9")
    token = emulator.create_token(emulator.admin_username)
    done = _run(SCRIPT, KEYSTONE_URL=emulator.url, KEYSTONE_API_TOKEN=token, KEYSTONE_LOG="DEBUG")
    assert done.returncode == 0, done.stderr
    assert "keystone.wire DEBUG --> GET" in done.stderr
    assert "Authorization: Token ***" in done.stderr
    assert token not in done.stderr


def test_nothing_configured_says_what_to_set_and_nothing_is_printed() -> None:
    done = _run("from keystone_client import KeystoneClient\nKeystoneClient()")
    assert done.returncode == 1
    assert done.stdout == ""
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("ValueError: KeystoneClient() needs the Keystone API root")
    assert "KEYSTONE_URL" in last


def test_without_keystone_log_nothing_is_printed(
    line_emulators: Callable[[str], KeystoneEmulator],
) -> None:
    emulator = line_emulators("0.10.9")
    token = emulator.create_token(emulator.admin_username)
    done = _run(SCRIPT, KEYSTONE_URL=emulator.url, KEYSTONE_API_TOKEN=token)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def test_an_unknown_log_level_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KEYSTONE_LOG", "verbose")
    with pytest.raises(ValueError, match=r"KEYSTONE_LOG='verbose'.*'info'.*'debug'"):
        KeystoneClient("http://localhost:8000", transport=MockTransport(lambda r: None))


def test_the_url_argument_wins_over_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEYSTONE_URL", "http://from-the-environment:8000")

    def handler(request: object) -> Response:
        return Response(200, content=b"0.10.9")

    client = KeystoneClient("http://given:8000", transport=MockTransport(handler))
    assert client.url == "http://given:8000/"
    assert KeystoneClient(transport=MockTransport(handler)).url == (
        "http://from-the-environment:8000/"
    )


def test_trust_env_false_ignores_every_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEYSTONE_URL", "http://from-the-environment:8000")
    monkeypatch.setenv("KEYSTONE_API_TOKEN", "a-token")
    monkeypatch.setenv("KEYSTONE_LOG", "not-a-level")  # not read, so not refused
    with pytest.raises(ValueError, match="needs the Keystone API root"):
        KeystoneClient(trust_env=False)
    client = KeystoneClient("http://localhost:8000", trust_env=False)
    assert not isinstance(client.auth, StaticTokenAuth)  # logs in with login()


def test_an_explicit_auth_wins_over_the_token_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEYSTONE_API_TOKEN", "from-the-environment")
    mine = StaticTokenAuth("mine")
    assert KeystoneClient("http://localhost:8000", auth=mine).auth is mine


def test_login_with_the_token_variable_set_says_why_before_sending(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KEYSTONE_URL", "http://localhost:8000")
    monkeypatch.setenv("KEYSTONE_API_TOKEN", "from-the-environment")
    sent: list[object] = []
    client = KeystoneClient(
        "http://localhost:8000", transport=MockTransport(lambda r: sent.append(r))
    )
    with pytest.raises(TypeError, match=r"KEYSTONE_API_TOKEN.*trust_env=False"):
        client.login("admin", "secret")
    assert sent == []


def test_the_token_of_the_variable_does_not_travel_in_a_pickle(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KEYSTONE_URL", "http://localhost:8000/")
    monkeypatch.setenv("KEYSTONE_API_TOKEN", "a-secret-token")
    client = KeystoneClient("http://localhost:8000")
    assert isinstance(client.auth, EnvironmentTokenAuth)
    assert "a-secret-token" not in repr(client) + repr(client.auth)
    pickled = pickle.dumps(client)
    assert b"a-secret-token" not in pickled
    copy = pickle.loads(pickled)  # reads the variable again, here
    assert isinstance(copy.auth, EnvironmentTokenAuth)
    monkeypatch.delenv("KEYSTONE_API_TOKEN")
    with pytest.raises(ValueError, match=r"KEYSTONE_API_TOKEN.*set it here too"):
        pickle.loads(pickled)


def test_a_token_variable_that_cannot_be_a_header_is_refused_naming_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KEYSTONE_URL", "http://localhost:8000")
    monkeypatch.setenv("KEYSTONE_API_TOKEN", "abc\x7fdef")
    with pytest.raises(ValueError, match="KEYSTONE_API_TOKEN holds characters") as caught:
        KeystoneClient("http://localhost:8000")
    assert "abc" not in str(caught.value)


def test_the_guides_trust_env_example_runs(
    line_emulators: Callable[[str], KeystoneEmulator], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page's second example, against the emulator, with variables that would mislead it."""
    emulator = line_emulators("0.10.9")
    monkeypatch.setenv("KEYSTONE_URL", "http://not-this-one:1")
    monkeypatch.setenv("KEYSTONE_API_TOKEN", "not-this-token")
    (line, code) = python_blocks(GUIDE.read_text(encoding="utf-8"))[1]
    assert "trust_env=False" in code
    scope: dict[str, object] = {"__name__": "__main__"}
    exec(compile("\n" * (line - 1) + for_emulator(code, emulator), str(GUIDE), "exec"), scope)
    client = scope["client"]
    assert isinstance(client, KeystoneClient) and not client.is_authenticated


def test_the_token_goes_only_to_the_server_of_keystone_url(
    monkeypatch: pytest.MonkeyPatch, local_server: LocalServer
) -> None:
    """A production token in the shell is not sent to the test server a script names."""
    monkeypatch.setenv("KEYSTONE_URL", "https://keystone.prod.example")
    monkeypatch.setenv("KEYSTONE_API_TOKEN", "PRODTOKEN123")
    local_server.route("GET", "/x/", Canned(200, {}))
    client = KeystoneClient(local_server.url)
    assert not isinstance(client.auth, EnvironmentTokenAuth)
    client.http_get("x/")
    assert "Authorization" not in local_server.received[-1].headers
    # the same server as KEYSTONE_URL, written otherwise (default port, no slash): it is sent
    same = KeystoneClient("https://keystone.prod.example:443/", transport=MockTransport(print))
    assert isinstance(same.auth, EnvironmentTokenAuth)


def test_an_empty_url_is_refused_not_taken_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KEYSTONE_URL", "https://keystone.prod.example")
    with pytest.raises(ValueError):
        KeystoneClient("")
    with pytest.raises(ValueError):
        KeystoneClient(base_url="")
