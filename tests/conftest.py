from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
import replay_difference
from local_server import Canned, LocalServer

from keystone.testing import KeystoneEmulator

#: What the clients of the tests would read from the environment of whoever runs them (a
#: proxy, a token, a log level): the tests that are about these variables set them.
_READ_BY_CLIENTS = ("KEYSTONE_URL", "KEYSTONE_API_TOKEN", "KEYSTONE_LOG")
for _name in list(os.environ):
    if _name in _READ_BY_CLIENTS or _name.lower() in ("http_proxy", "https_proxy", "all_proxy"):
        del os.environ[_name]


@pytest.fixture
def local_server() -> Iterator[LocalServer]:
    """A local server that says it is Keystone 0.3.26 at ``version/`` (routes answer the rest)."""
    server = LocalServer().start()
    server.route("GET", "/version/", Canned(200, "0.3.26"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def keystone_emulator_api() -> str:
    """The profile of the plugin's shared ``keystone_emulator``: the suite names it, here."""
    return "0.3.26"


@pytest.fixture(scope="session")
def line_emulators() -> Iterator[Callable[[str], KeystoneEmulator]]:
    """``get(api)``: one running emulator of release line ``api`` for the whole session (per
    worker), without throttles, shared by the modules that test every line. Their tests make
    records under names of their own, so sharing costs nothing but the starts it saves."""
    running: dict[str, KeystoneEmulator] = {}

    def get(api: str) -> KeystoneEmulator:
        if api not in running:
            emulator = KeystoneEmulator(api=api, user_throttle=None, anon_throttle=None)
            running[api] = emulator.start()
        return running[api]

    yield get
    for emulator in running.values():
        emulator.stop()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """The exchanges the replays tolerate as different, listed after the tests' summary."""
    reports = [
        report for kind in ("passed", "failed") for report in terminalreporter.stats.get(kind, [])
    ]
    differences = replay_difference.collected(reports)
    if differences:
        title, lines = replay_difference.summary(differences)
        terminalreporter.section(title, sep="-")
        for line in lines:
            terminalreporter.line(line)
