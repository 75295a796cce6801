from __future__ import annotations

from collections.abc import Iterator

import pytest

from keystone import KeystoneClient
from keystone.testing import KeystoneEmulator

#: The last release of every line, as the emulator imitates them.
LINES = ("0.3.26", "0.4.1", "0.5.17", "0.6.21", "0.7.5", "0.8.7", "0.9.5", "0.10.9")


@pytest.fixture(scope="module", params=LINES)
def line(request: pytest.FixtureRequest) -> Iterator[KeystoneEmulator]:
    """An emulator of one release line (one per module and line), without throttles."""
    with KeystoneEmulator(api=request.param, user_throttle=None, anon_throttle=None) as running:
        yield running


@pytest.fixture
def client(line: KeystoneEmulator) -> Iterator[KeystoneClient]:
    """A client logged in as the line's staff user, with no ``server=``: it finds out."""
    with KeystoneClient(line.url) as logged_in:
        logged_in.login(line.admin_username, line.admin_password)
        yield logged_in
