from __future__ import annotations

from collections.abc import Iterator

import pytest
from local_server import Canned, LocalServer


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
