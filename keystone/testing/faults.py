"""Fault rules: which requests misbehave, and how.

A :class:`FaultRule` says "the next ``times`` requests whose method and path match answer a
fixed status / are dropped after processing / are dropped before processing / are delayed".
The server keeps its rules in a :class:`FaultTable`; the parent process programs it through
the control channel (:mod:`keystone.testing.control`), so rules travel as plain JSON dicts.

Path matching is done on the request path without its query string, exactly as the client
sent it (percent-encoding kept). ``path`` is a shell-style glob (:func:`fnmatch.fnmatchcase`,
where ``*`` also matches ``/``); ``path_regex``, when given, replaces it and must match the
whole path (:func:`re.fullmatch`). A pattern without a leading ``/`` or ``*`` gets one, so
``"allocations/clusters/"`` and ``"/allocations/clusters/"`` mean the same.
"""

from __future__ import annotations

import fnmatch
import re
import threading
from dataclasses import asdict, dataclass, field, replace
from http import HTTPStatus
from typing import Any, Literal, cast

FaultKind = Literal["status", "drop_after_processing", "drop_before_processing", "delay"]
FAULT_KINDS: tuple[FaultKind, ...] = (
    "status",
    "drop_after_processing",
    "drop_before_processing",
    "delay",
)

# What Django REST framework itself says for these statuses, so injected faults read like real ones.
_DRF_DETAILS = {
    500: "A server error occurred.",
    503: "Service temporarily unavailable, try again later.",
}


def normalize_path_pattern(pattern: str) -> str:
    """Give a glob a leading ``/`` unless it starts with one or with a wildcard."""
    if pattern.startswith(("/", "*", "?", "[")):
        return pattern
    return "/" + pattern


def default_body(status: int, retry_after: str | None) -> dict[str, str]:
    """A DRF-like ``{"detail": ...}`` body for an injected status."""
    if status == 429:
        detail = "Request was throttled."
        if retry_after is not None and retry_after.isdigit():
            detail += f" Expected available in {retry_after} seconds."
        return {"detail": detail}
    if status in _DRF_DETAILS:
        return {"detail": _DRF_DETAILS[status]}
    try:
        return {"detail": HTTPStatus(status).phrase}
    except ValueError:
        return {"detail": f"Error {status}."}


@dataclass(frozen=True)
class FaultRule:
    """One programmed fault; ``times=None`` means it never runs out.

    ``remaining`` is how many more requests it applies to (the server decrements it);
    ``id`` is assigned by the server when the rule is added.
    """

    kind: FaultKind
    method: str | None = None
    path: str = "*"
    path_regex: str | None = None
    times: int | None = 1
    status: int | None = None
    retry_after: str | None = None
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    reset: bool = False
    id: int = 0
    remaining: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {FAULT_KINDS}")
        if self.times is not None and self.times < 1:
            raise ValueError("times must be a positive number of requests, or None for always")
        if self.kind == "status" and (self.status is None or not 100 <= self.status <= 599):
            raise ValueError("a status fault needs an HTTP status code between 100 and 599")
        if self.kind == "delay" and self.seconds < 0:
            raise ValueError("a delay cannot be negative")
        if self.path_regex is not None:
            re.compile(self.path_regex)  # fail early, in the caller's process
        object.__setattr__(self, "path", normalize_path_pattern(self.path))
        if self.method is not None:
            object.__setattr__(self, "method", self.method.upper())
        if self.remaining is None and self.times is not None:
            object.__setattr__(self, "remaining", self.times)

    def matches(self, method: str, path: str) -> bool:
        """Whether a request with this method and path (no query) is subject to the rule."""
        if self.method is not None and self.method != method.upper():
            return False
        if self.path_regex is not None:
            return re.fullmatch(self.path_regex, path) is not None
        return fnmatch.fnmatchcase(path, self.path)

    def response_body(self) -> Any:
        """The JSON body a status fault answers with."""
        if self.body is not None:
            return self.body
        return default_body(cast(int, self.status), self.retry_after)

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form used on the control channel."""
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> FaultRule:
        """Rebuild a rule from :meth:`to_dict` output (unknown keys are refused)."""
        known = {f for f in cls.__dataclass_fields__}
        unknown = set(raw) - known
        if unknown:
            raise ValueError(f"unknown fault rule fields: {sorted(unknown)}")
        return cls(**raw)


class FaultTable:
    """The server's thread-safe, ordered list of pending rules.

    :meth:`take` finds the first rule (in the order they were added) matching a request,
    consumes one of its uses and returns it; a rule whose uses are spent disappears. At most
    one rule applies to any request.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._next_id = 1

    def add(self, rule: FaultRule) -> FaultRule:
        """Append ``rule`` with a fresh id and return the stored copy."""
        with self._lock:
            stored = replace(rule, id=self._next_id)
            self._next_id += 1
            self._rules.append(stored)
            return stored

    def take(self, method: str, path: str) -> FaultRule | None:
        """Consume and return the first rule matching the request, or ``None``."""
        with self._lock:
            for index, rule in enumerate(self._rules):
                if not rule.matches(method, path):
                    continue
                if rule.remaining is None:
                    return rule
                left = rule.remaining - 1
                if left <= 0:
                    del self._rules[index]
                else:
                    self._rules[index] = replace(rule, remaining=left)
                return replace(rule, remaining=left)
            return None

    def remove(self, rule_id: int) -> bool:
        """Drop one rule by id; ``False`` if it was already consumed or cleared."""
        with self._lock:
            for index, rule in enumerate(self._rules):
                if rule.id == rule_id:
                    del self._rules[index]
                    return True
            return False

    def clear(self) -> int:
        """Drop every pending rule and say how many there were."""
        with self._lock:
            count = len(self._rules)
            self._rules.clear()
            return count

    def rules(self) -> list[FaultRule]:
        """The pending rules, in matching order."""
        with self._lock:
            return list(self._rules)
