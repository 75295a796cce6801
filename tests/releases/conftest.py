from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from release_lines import LINES

from keystone import KeystoneClient
from keystone.testing import KeystoneEmulator


@pytest.fixture(scope="module", params=LINES)
def line(
    request: pytest.FixtureRequest, line_emulators: Callable[[str], KeystoneEmulator]
) -> KeystoneEmulator:
    """The session's emulator of one release line, without throttles."""
    return line_emulators(request.param)


@pytest.fixture
def client(line: KeystoneEmulator) -> Iterator[KeystoneClient]:
    """A client logged in as the line's staff user, with no ``server=``: it finds out."""
    with KeystoneClient(line.url) as logged_in:
        logged_in.login(line.admin_username, line.admin_password)
        yield logged_in
