"""The control channel: reserved JSON endpoints under ``/__emulator__/`` on the server itself.

Being plain HTTP on the emulator's own port, the channel works the same for an emulator started
by :class:`~keystone.testing.KeystoneEmulator` and for one started from the command line in
another process. Control requests never reach the application, are never counted in the stats
and never match a fault rule.

====================================  =========================================================
``GET    /__emulator__/``             ``{"pid", "url", "version"}`` of the server process
``GET    /__emulator__/faults/``      ``{"faults": [rule, ...]}``, pending rules in order
``POST   /__emulator__/faults/``      add one rule (a :class:`FaultRule` dict) → 201, the rule
``DELETE /__emulator__/faults/``      clear every rule → ``{"cleared": n}``
``DELETE /__emulator__/faults/<id>/`` remove one rule → 204, or 404 if already consumed
``GET    /__emulator__/stats/``       ``{"requests": [...], "connections": n}``
``DELETE /__emulator__/stats/``       zero every counter → 204
``POST   /__emulator__/commands/<n>/`` run the profile's command ``n`` (a JSON object in and
                                      out), 404 naming the profile's commands if it has none
====================================  =========================================================

Commands are what the server application offers the channel (its ``emulator_commands``
mapping): on the 0.10.9 profile ``create_token``, ``notify`` and ``end_sessions``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from keystone.testing.faults import FaultRule, FaultTable
from keystone.testing.stats import StatsRecorder

CONTROL_PREFIX = "/__emulator__/"
CONTROL_VERSION = 1

Command = Callable[[dict[str, Any]], Any]


def is_control_path(path: str) -> bool:
    """Whether a request path belongs to the control channel."""
    return path == CONTROL_PREFIX.rstrip("/") or path.startswith(CONTROL_PREFIX)


class ControlRouter:
    """Answers control requests against the server's fault table and counters."""

    def __init__(
        self, faults: FaultTable, stats: StatsRecorder, info: Callable[[], dict[str, Any]]
    ) -> None:
        self._faults = faults
        self._stats = stats
        self._info = info
        self.commands: Mapping[str, Command] = {}
        """The application's commands by name (set once the application is built)."""

    def handle(self, method: str, path: str, body: bytes) -> tuple[int, Any]:
        """Return ``(status, json_body)``; ``json_body`` is ``None`` for an empty answer."""
        parts = [p for p in path[len(CONTROL_PREFIX) - 1 :].split("/") if p]
        try:
            return self._route(method, parts, body)
        except (ValueError, TypeError) as exc:
            return 400, {"detail": str(exc)}

    def _route(self, method: str, parts: list[str], body: bytes) -> tuple[int, Any]:
        if not parts:
            if method == "GET":
                return 200, {**self._info(), "version": CONTROL_VERSION}
            return _not_allowed(method)
        resource, rest = parts[0], parts[1:]
        if resource == "faults" and not rest:
            if method == "GET":
                return 200, {"faults": [rule.to_dict() for rule in self._faults.rules()]}
            if method == "POST":
                rule = FaultRule.from_dict(_json_object(body))
                return 201, self._faults.add(rule).to_dict()
            if method == "DELETE":
                return 200, {"cleared": self._faults.clear()}
            return _not_allowed(method)
        if resource == "faults" and len(rest) == 1:
            if method != "DELETE":
                return _not_allowed(method)
            if not rest[0].isdigit():
                raise ValueError(f"fault ids are numbers, not {rest[0]!r}")
            if self._faults.remove(int(rest[0])):
                return 204, None
            return 404, {"detail": f"No pending fault with id {rest[0]}."}
        if resource == "stats" and not rest:
            if method == "GET":
                return 200, self._stats.snapshot().to_dict()
            if method == "DELETE":
                self._stats.reset()
                return 204, None
            return _not_allowed(method)
        if resource == "commands" and len(rest) == 1:
            if method != "POST":
                return _not_allowed(method)
            return self._command(rest[0], _json_object(body))
        return 404, {"detail": f"No control endpoint {'/'.join(parts)!r}."}

    def _command(self, name: str, payload: dict[str, Any]) -> tuple[int, Any]:
        command = self.commands.get(name)
        if command is None:
            offered = ", ".join(sorted(self.commands)) or "none"
            profile = self._info().get("api", "this")
            detail = f"The {profile} profile has no command {name!r} (its commands: {offered})."
            return 404, {"detail": detail}
        return 200, command(payload)


def _not_allowed(method: str) -> tuple[int, Any]:
    return 405, {"detail": f'Method "{method}" not allowed.'}


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body or b"null")
    except json.JSONDecodeError as exc:
        raise ValueError(f"JSON parse error - {exc}") from exc
    if not isinstance(value, dict):
        raise ValueError("expected a JSON object")
    return value
