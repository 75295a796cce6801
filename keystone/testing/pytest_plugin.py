"""pytest fixtures for testing code against a local Keystone emulator.

Registered through the ``pytest11`` entry point of ``keystone-api-client``, so installing the
package with its ``testing`` extra makes these fixtures available everywhere:

``keystone_emulator``
    One emulator (the profile's default configuration) shared by the whole test session. Every
    test that uses it starts with no pending faults and zeroed counters, and its faults are
    cleared when it ends. Data created by earlier tests remains (the database is shared).
``keystone_emulator_api``
    The profile of ``keystone_emulator``: ``--keystone-api VERSION`` on the command line, else
    the ``keystone_api`` ini option, else the default profile. Override this fixture in a
    ``conftest.py`` to pin a profile for a directory.
``keystone_emulator_factory``
    ``keystone_emulator_factory(config=None, *, api=None, **overrides)`` starts a dedicated
    emulator (e.g. ``api="0.10.9"``, short token lifetimes, ``tls=True``, or one a test may
    restart with a new key) that is stopped at the end of the test.

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


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--keystone-api`` and the ``keystone_api`` ini option choose the session's profile."""
    help_text = "Keystone API profile of the keystone_emulator fixture (e.g. 0.10.9)"
    parser.addoption("--keystone-api", dest="keystone_api", default=None, help=help_text)
    parser.addini("keystone_api", help_text, default=None)


@pytest.fixture(scope="session")
def keystone_emulator_api(pytestconfig: pytest.Config) -> str:
    """The profile of the session's ``keystone_emulator`` (see the module docstring)."""
    from keystone.testing.config import DEFAULT_API, check_api

    chosen = pytestconfig.getoption("keystone_api") or pytestconfig.getini("keystone_api")
    return check_api(str(chosen or DEFAULT_API))


@pytest.fixture(scope="session")
def keystone_emulator(keystone_emulator_api: str) -> Iterator[KeystoneEmulator]:
    """A Keystone emulator of the chosen profile, shared by the session."""
    from keystone.testing.emulator import KeystoneEmulator

    with KeystoneEmulator(api=keystone_emulator_api) as emulator:
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

    def start(
        config: EmulatorConfig | None = None, *, api: str | None = None, **overrides: Any
    ) -> KeystoneEmulator:
        emulator = KeystoneEmulator(config, api=api, **overrides).start()
        started.append(emulator)
        return emulator

    yield start
    for emulator in reversed(started):
        emulator.stop()
