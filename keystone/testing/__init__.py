"""A faithful local Keystone API server for tests (the ``testing`` extra:
``pip install ".[testing]"`` from a clone).

:class:`KeystoneEmulator` runs the server in a subprocess (``api="0.10.9"`` or ``"0.3.26"``,
:data:`DEFAULT_API` by default, optionally over HTTPS) and exposes its URL, credentials, fault
injection (:class:`FaultInjector`), request counters (:class:`Stats`) and ``restart()``.
:class:`EmulatorControl` programs an emulator started elsewhere, e.g. by
``python -m keystone.testing``. The pytest plugin (:mod:`keystone.testing.pytest_plugin`)
provides the ``keystone_emulator`` and ``keystone_emulator_factory`` fixtures. For unit tests
that need no server, :class:`MockTransport` answers a client's requests from a function and
:class:`FakeClock` lets a test move the client's time on.

Importing this package never imports Django (only the server process does), and the names
below are imported on first use, so that loading the pytest plugin costs next to nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from keystone.testing._process import EmulatorStartError
    from keystone.testing.clock import FakeClock
    from keystone.testing.config import (
        CONFIG_ENV_VAR,
        DEFAULT_API,
        KNOWN_APIS,
        EmulatorConfig,
        TokenSpec,
        UserSpec,
    )
    from keystone.testing.emulator import KeystoneEmulator
    from keystone.testing.faults import FaultRule
    from keystone.testing.mock import MockTransport
    from keystone.testing.remote import ControlError, EmulatorControl, FaultInjector, Stats
    from keystone.testing.stats import DROPPED, RequestCount, StatsSnapshot

_HOMES = {
    "CONFIG_ENV_VAR": "keystone.testing.config",
    "DEFAULT_API": "keystone.testing.config",
    "KNOWN_APIS": "keystone.testing.config",
    "TokenSpec": "keystone.testing.config",
    "DROPPED": "keystone.testing.stats",
    "ControlError": "keystone.testing.remote",
    "EmulatorConfig": "keystone.testing.config",
    "EmulatorControl": "keystone.testing.remote",
    "EmulatorStartError": "keystone.testing._process",
    "FakeClock": "keystone.testing.clock",
    "MockTransport": "keystone.testing.mock",
    "FaultInjector": "keystone.testing.remote",
    "FaultRule": "keystone.testing.faults",
    "KeystoneEmulator": "keystone.testing.emulator",
    "RequestCount": "keystone.testing.stats",
    "Stats": "keystone.testing.remote",
    "StatsSnapshot": "keystone.testing.stats",
    "UserSpec": "keystone.testing.config",
}

__all__ = [
    "CONFIG_ENV_VAR",
    "DEFAULT_API",
    "DROPPED",
    "KNOWN_APIS",
    "ControlError",
    "EmulatorConfig",
    "EmulatorControl",
    "EmulatorStartError",
    "FakeClock",
    "FaultInjector",
    "FaultRule",
    "KeystoneEmulator",
    "MockTransport",
    "RequestCount",
    "Stats",
    "StatsSnapshot",
    "TokenSpec",
    "UserSpec",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'keystone.testing' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
