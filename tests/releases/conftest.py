from __future__ import annotations

from collections.abc import Iterator

import pytest
from release_lines import LINES

from keystone import KeystoneClient
from keystone.testing import KeystoneEmulator


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
