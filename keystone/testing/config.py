"""Settings of one emulator instance, shared by the parent process and the server process.

The parent (``KeystoneEmulator`` or the CLI) builds an :class:`EmulatorConfig`, serialises it
to JSON in the ``KEYSTONE_EMULATOR_CONFIG`` environment variable of the server subprocess, and
the server rebuilds it with :meth:`EmulatorConfig.from_json`. Keeping it a plain frozen value
means the two sides cannot drift apart.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from typing import Any

CONFIG_ENV_VAR = "KEYSTONE_EMULATOR_CONFIG"


@dataclass(frozen=True)
class UserSpec:
    """An account seeded when the server starts (in addition to the staff admin)."""

    username: str
    password: str
    is_staff: bool = False
    first_name: str = ""
    last_name: str = ""
    email: str = ""


@dataclass(frozen=True)
class EmulatorConfig:
    """Everything that decides how an emulator instance behaves.

    Lifetimes are in seconds. ``secret_key=None`` means a random signing key per start, as the
    real server has when none is configured (so a restart invalidates every issued token).
    Throttle rates use DRF's syntax (``"100/min"``); ``None`` disables that throttle.
    ``paginate=True`` makes list endpoints answer ``{count, next, previous, results}`` pages
    driven by ``_limit``/``_offset`` like newer Keystone servers.
    """

    host: str = "127.0.0.1"
    port: int = 0
    admin_username: str = "admin"
    admin_password: str = "admin"
    access_token_lifetime: float = 300.0
    refresh_token_lifetime: float = 86400.0
    user_throttle: str | None = "10000/day"
    anon_throttle: str | None = "1000/day"
    secret_key: str | None = None
    paginate: bool = False
    users: tuple[UserSpec, ...] = field(default_factory=tuple)
    database_path: str | None = None

    def replace(self, **changes: Any) -> EmulatorConfig:
        """Return a copy with ``changes`` applied."""
        return replace(self, **changes)

    def to_json(self) -> str:
        """Serialise for the server subprocess's environment."""
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> EmulatorConfig:
        """Rebuild a config serialised by :meth:`to_json`."""
        raw = json.loads(text)
        raw["users"] = tuple(UserSpec(**u) for u in raw.get("users", ()))
        return cls(**raw)
