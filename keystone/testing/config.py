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

KNOWN_APIS = ("0.3.26", "0.4.1", "0.5.17", "0.6.21", "0.7.5", "0.8.7", "0.9.5", "0.10.9")
"""The Keystone releases the emulator imitates (its profiles): the last of each release line."""

DEFAULT_API = "0.10.9"
"""The profile an emulator gets when none is named."""

_MINUTE_THROTTLES = {"user_throttle": "300/min", "anon_throttle": "120/min"}
PROFILE_DEFAULTS: dict[str, dict[str, Any]] = {
    "0.3.26": {},
    "0.4.1": {},
    **{api: dict(_MINUTE_THROTTLES) for api in KNOWN_APIS[2:]},
}
"""Per profile, the settings whose defaults differ from :class:`EmulatorConfig`'s: the real
server's throttle rates (1000/day anonymous and 10000/day per user up to 0.5.4; from 0.5.14 on,
300/min per user and 120/min anonymous)."""


def check_api(api: str) -> str:
    """Return ``api`` if it names a known profile, else raise a ``ValueError`` listing them."""
    if api not in KNOWN_APIS:
        known = ", ".join(repr(name) for name in KNOWN_APIS)
        raise ValueError(f"unknown Keystone API profile {api!r}; the known profiles are {known}")
    return api


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
class TokenSpec:
    """A DRF API token created at start for an account (profile 0.10.9)."""

    username: str
    key: str


@dataclass(frozen=True)
class EmulatorConfig:
    """Everything that decides how an emulator instance behaves.

    Lifetimes are in seconds. ``secret_key=None`` means a random signing key per start, as the
    real server has when none is configured (so a restart invalidates every issued token).
    Throttle rates use DRF's syntax (``"100/min"``); ``None`` disables that throttle.
    ``paginate=True`` makes the 0.3.26 profile's lists answer ``{count, next, previous,
    results}`` pages driven by ``_limit``/``_offset`` (the other profiles page as their release
    does). ``api`` names the server profile (:data:`KNOWN_APIS`); build a config with the
    profile's own defaults with :meth:`for_api`. ``tokens`` are API tokens (0.4.1 and later;
    the releases before 0.6.4 do not read them) created for existing accounts at start.
    ``reported_version`` is what ``version/`` answers instead of the release (``"0.0.0"``, as
    a server installed from a source checkout does).
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
    api: str = DEFAULT_API
    tokens: tuple[TokenSpec, ...] = field(default_factory=tuple)
    reported_version: str | None = None

    def __post_init__(self) -> None:
        check_api(self.api)

    @classmethod
    def for_api(cls, api: str = DEFAULT_API, **changes: Any) -> EmulatorConfig:
        """A config for profile ``api`` with that profile's defaults, then ``changes``."""
        return cls(api=check_api(api), **{**PROFILE_DEFAULTS[api], **changes})

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
        raw["tokens"] = tuple(TokenSpec(**t) for t in raw.get("tokens", ()))
        return cls(**raw)
