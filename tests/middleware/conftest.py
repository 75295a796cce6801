"""A Keystone emulator for the middleware tests, with an account whose password is distinctive.

The password must not occur anywhere else (the admin's is ``admin``, its own username), so that
finding it in a log means the log leaked it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from middleware_helpers import PASSWORD, USERNAME

from keystone.testing import KeystoneEmulator, UserSpec


@pytest.fixture(scope="session")
def middleware_server() -> Iterator[KeystoneEmulator]:
    with KeystoneEmulator(
        api="0.3.26",
        users=(UserSpec(USERNAME, PASSWORD, is_staff=True),),
        user_throttle=None,
        anon_throttle=None,
    ) as emulator:
        yield emulator


@pytest.fixture
def emulator(middleware_server: KeystoneEmulator) -> KeystoneEmulator:
    """The shared server with no pending faults and zeroed counters."""
    middleware_server.faults.clear()
    middleware_server.stats.reset()
    return middleware_server
