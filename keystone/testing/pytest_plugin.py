"""pytest fixtures for testing code against a local Keystone emulator.

Registered through the ``pytest11`` entry point of ``keystone-api-client``, so installing the
package with its ``testing`` extra makes these fixtures available everywhere:

``keystone_emulator``
    One emulator (default configuration) shared by the whole test session. Every test that
    uses it starts with no pending faults and zeroed counters, and its faults are cleared when
    it ends. Data created by earlier tests remains (the database is shared).
``keystone_emulator_factory``
    ``keystone_emulator_factory(config=None, **overrides)`` starts a dedicated emulator (e.g.
    with short token lifetimes, or one a test may restart with a new key) that is stopped at
    the end of the test.

Importing this module is cheap: the emulator itself is imported when a fixture is first used.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from keystone.testing.config import EmulatorConfig
    from keystone.testing.emulator import KeystoneEmulator

EmulatorFactory = Callable[..., "KeystoneEmulator"]


@pytest.fixture(scope="session")
def keystone_emulator() -> Iterator[KeystoneEmulator]:
    """A Keystone emulator with the default configuration, shared by the session."""
    from keystone.testing.emulator import KeystoneEmulator

    with KeystoneEmulator() as emulator:
        yield emulator


@pytest.fixture(autouse=True)
def _keystone_emulator_isolation(request: pytest.FixtureRequest) -> Iterator[None]:
    """Give each test using the shared emulator no pending faults and zeroed counters."""
    if "keystone_emulator" not in request.fixturenames:
        yield
        return
    emulator: KeystoneEmulator = request.getfixturevalue("keystone_emulator")
    if emulator.running:
        emulator.faults.clear()
        emulator.stats.reset()
    yield
    if emulator.running:
        emulator.faults.clear()


@pytest.fixture
def keystone_emulator_factory() -> Iterator[EmulatorFactory]:
    """Start dedicated emulators, stopped at the end of the test."""
    from keystone.testing.emulator import KeystoneEmulator

    started: list[KeystoneEmulator] = []

    def start(config: EmulatorConfig | None = None, **overrides: Any) -> KeystoneEmulator:
        emulator = KeystoneEmulator(config, **overrides).start()
        started.append(emulator)
        return emulator

    yield start
    for emulator in reversed(started):
        emulator.stop()
