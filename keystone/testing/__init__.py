"""A faithful local Keystone API server for tests (``pip install keystone-api-client[testing]``).

:class:`KeystoneEmulator` runs the server in a subprocess and exposes its URL, credentials,
fault injection (:class:`FaultInjector`), request counters (:class:`Stats`) and ``restart()``.
:class:`EmulatorControl` programs an emulator started elsewhere, e.g. by
``python -m keystone.testing``. The pytest plugin (:mod:`keystone.testing.pytest_plugin`)
provides the ``keystone_emulator`` and ``keystone_emulator_factory`` fixtures.

Importing this package never imports Django: only the server process does.
"""

from keystone.testing._process import EmulatorStartError
from keystone.testing.config import CONFIG_ENV_VAR, EmulatorConfig, UserSpec
from keystone.testing.emulator import KeystoneEmulator
from keystone.testing.faults import FaultRule
from keystone.testing.remote import ControlError, EmulatorControl, FaultInjector, Stats
from keystone.testing.stats import DROPPED, RequestCount, StatsSnapshot

__all__ = [
    "CONFIG_ENV_VAR",
    "DROPPED",
    "ControlError",
    "EmulatorConfig",
    "EmulatorControl",
    "EmulatorStartError",
    "FaultInjector",
    "FaultRule",
    "KeystoneEmulator",
    "RequestCount",
    "Stats",
    "StatsSnapshot",
    "UserSpec",
]
