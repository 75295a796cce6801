"""The auth tests' emulator: each module starts its own ``server`` (its users, its lifetimes);
every test gets it with no faults left over and its counters at zero."""

from __future__ import annotations

import pytest

from keystone.testing import KeystoneEmulator


@pytest.fixture
def emulator(server: KeystoneEmulator) -> KeystoneEmulator:
    server.faults.clear()
    server.stats.reset()
    return server
