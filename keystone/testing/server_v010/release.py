"""Which Keystone release this emulator process imitates, and how that release differs.

One Django application serves every profile from 0.4.1 to 0.10.9. What the releases of those
years changed comes from two places:

- the release's own OpenAPI schema, as ``keystone/testing/schemas/`` keeps it (a "view" per
  release: ``tools/schema_view.py``): which endpoints exist and at which paths, which fields a
  record has and in which order, which fields a create takes and requires, and which query
  parameters each list reads;
- :data:`TRAITS`, what a schema does not say: how login answers, which authentication classes
  run (and so whether a missing login is a 401 or a 403), how lists are paged, the default
  throttles, what ``version/`` answers with, and whether records of other teams are hidden
  from every request (before 0.6.6) or only from lists.

The bootstrap calls :func:`activate` once, before Django loads the URLconf; the settings, the
routes, the serializers, the filters and the views then read :data:`current`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class Traits:
    """What a release does that its schema does not say."""

    login: str
    """``"rest-auth"`` (dj-rest-auth: ``{"key"}``; logout for anyone, deleting the token) or
    ``"session"`` (Keystone's own views: the user's record; logout needs a session)."""
    tokens: bool
    """``Authorization: Token`` is read (TokenAuthentication first); without it DRF's default
    Session and Basic authentication run, and a missing login answers 403."""
    whoami_empty: bool
    """An anonymous ``authentication/whoami/`` answers 401 with no body (before 0.6.6)."""
    paging: str
    """``"whole"``, ``"headers"`` (a list and ``X-Total-Count``) or ``"envelope"``."""
    version_type: str
    """The content type of ``version/`` (HTML before 0.6.11, plain text after)."""
    user_throttle: str
    anon_throttle: str
    hide_others: bool
    """Records of other teams are hidden from every request, so a detail answers 404 (before
    0.6.6); later only lists are narrowed and a detail answers 403."""


_HTML = "text/html; charset=utf-8"
_PLAIN = "text/plain"

#: The traits of each profile, as the release's settings and views have them (keystone_api/).
TRAITS: dict[str, Traits] = {
    "0.4.1": Traits("rest-auth", False, True, "whole", _HTML, "10000/day", "1000/day", True),
    "0.5.17": Traits("rest-auth", False, True, "whole", _HTML, "300/min", "120/min", True),
    "0.6.21": Traits("session", True, False, "whole", _PLAIN, "300/min", "120/min", False),
    "0.7.5": Traits("session", True, False, "headers", _PLAIN, "300/min", "120/min", False),
    "0.8.7": Traits("session", True, False, "envelope", _PLAIN, "300/min", "120/min", False),
    "0.9.5": Traits("session", True, False, "envelope", _PLAIN, "300/min", "120/min", False),
    "0.10.9": Traits("session", True, False, "envelope", _PLAIN, "300/min", "120/min", False),
}


def _schema(release: str) -> dict[str, Any]:
    folder = resources.files("keystone.testing") / "schemas"
    index = json.loads((folder / "index.json").read_text("utf-8"))
    view: dict[str, Any] = json.loads((folder / f"{index[release]}.json").read_text("utf-8"))
    return view


@dataclass(frozen=True)
class Release:
    """One release profile: its number, its traits and its schema's view."""

    version: str
    traits: Traits
    view: dict[str, Any] = field(repr=False, compare=False)

    @classmethod
    def of(cls, version: str) -> Release:
        return cls(version, TRAITS[version], _schema(version))

    @cached_property
    def numbers(self) -> tuple[int, ...]:
        return tuple(int(part) for part in self.version.split("."))

    def at_least(self, version: str) -> bool:
        """Whether this release is ``version`` or later."""
        return self.numbers >= tuple(int(part) for part in version.split("."))

    def has(self, path: str) -> bool:
        """Whether the release routes ``path`` (``"users/teams"``, no slashes at the ends)."""
        return path in self.view["paths"]

    def first_of(self, *paths: str) -> str | None:
        """The first of ``paths`` the release routes."""
        return next((p for p in paths if self.has(p)), None)

    def record(self, path: str) -> list[str]:
        """The fields of the records ``path`` answers, in the release's order."""
        return list(self.view["paths"].get(path, {}).get("record", ()))

    def writable(self, path: str) -> dict[str, str]:
        """The fields a create at ``path`` takes, with their types."""
        return dict(self.view["paths"].get(path, {}).get("fields", {}))

    def update_fields(self, path: str) -> dict[str, str] | None:
        """The fields an update takes where they differ from a create's."""
        fields = self.view["paths"].get(path, {}).get("update_fields")
        return None if fields is None else dict(fields)

    def required(self, path: str) -> list[str]:
        """The fields a create at ``path`` must give."""
        return list(self.view["paths"].get(path, {}).get("required", ()))

    def params(self, path: str) -> dict[str, str]:
        """The query parameters the list at ``path`` reads."""
        return dict(self.view["paths"].get(path, {}).get("params", {}))

    def slash(self, path: str) -> bool:
        """Whether ``path`` is routed with its trailing slash."""
        return bool(self.view["paths"].get(path, {}).get("slash", True))


current: Release = Release.of("0.10.9")
"""The release this process imitates (0.10.9 until :func:`activate` says otherwise)."""


def activate(version: str) -> Release:
    """Make ``version`` the release this process imitates."""
    global current
    current = Release.of(version)
    return current
