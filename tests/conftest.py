from __future__ import annotations

from collections.abc import Iterator

import pytest
from local_server import LocalServer


@pytest.fixture
def local_server() -> Iterator[LocalServer]:
    server = LocalServer().start()
    yield server
    server.stop()
