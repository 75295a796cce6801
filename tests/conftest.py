from __future__ import annotations

from collections.abc import Iterator

import pytest
from local_server import LocalServer


@pytest.fixture
def local_server() -> Iterator[LocalServer]:
    server = LocalServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def keystone_emulator_api() -> str:
    """The profile of the plugin's shared ``keystone_emulator``: the suite names it, here."""
    return "0.3.26"
