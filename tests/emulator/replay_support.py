"""Comparing an emulator's answers with exchanges recorded from a real Keystone server.

Shared by the replays of both profiles (``test_replay.py`` for 0.3.26 and
``emulator_v010/test_v010_replay.py`` for 0.10.9): a replayer records one :class:`Outcome` per
exchange through :meth:`Comparison.record`, and the replay's tests check them with
:func:`check_statuses`, :func:`check_error_bodies` and :func:`check_shapes`.

An exchange matches when the status is equal and the answer has the same media type, the same
``Location``, ``WWW-Authenticate`` and ``Allow`` headers, ``Retry-After`` presence and cookie
attributes, an empty body where the recording has one, and the same JSON shape: keys (in
order, except under ``unordered_keys``), value types and list lengths, recursively.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

import replay_difference
import urllib3

COMPARED_HEADERS = ("location", "www-authenticate", "allow")
REQUIRED_MATCH_RATIO = 0.95


def shape(value: Any) -> Any:
    """The structure of a JSON value: dict keys and list lengths kept, scalars by type."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value]
    if value is None:
        return "null"
    return type(value).__name__


def shape_differences(
    recorded: Any,
    live: Any,
    where: str = "$",
    unordered_keys: Collection[str] = (),
    opaque_keys: Collection[str] = (),
) -> list[str]:
    """Every place where two JSON values differ in structure (an object under one of
    ``opaque_keys`` only has to be an object too)."""
    if isinstance(recorded, dict) and isinstance(live, dict):
        if where.rsplit(".", 1)[-1] in opaque_keys:
            return []
        problems = []
        if where.rsplit(".", 1)[-1] in unordered_keys:
            same_keys = set(recorded) == set(live)
        else:
            same_keys = list(recorded) == list(live)
        if not same_keys:
            problems.append(f"{where}: keys {list(recorded)} != {list(live)}")
        for key in recorded.keys() & live.keys():
            problems += shape_differences(
                recorded[key], live[key], f"{where}.{key}", unordered_keys, opaque_keys
            )
        return problems
    if isinstance(recorded, list) and isinstance(live, list):
        if len(recorded) != len(live):
            return [f"{where}: list length {len(recorded)} != {len(live)}"]
        problems = []
        for index, (old, new) in enumerate(zip(recorded, live, strict=True)):
            problems += shape_differences(
                old, new, f"{where}[{index}]", unordered_keys, opaque_keys
            )
        return problems
    if shape(recorded) != shape(live) or isinstance(recorded, (dict, list)):
        return [f"{where}: {json.dumps(shape(recorded))} != {json.dumps(shape(live))}"]
    return []


def cookie_attributes(set_cookie: str) -> tuple[str, ...]:
    """A ``Set-Cookie`` value without its value and date: name, set or deleted, attributes."""
    parts = [part.strip() for part in set_cookie.split(";")]
    name, _, value = parts[0].partition("=")
    kept = sorted(p for p in parts[1:] if not p.lower().startswith("expires="))
    return (name, "deleted" if value in ('""', "") else "set", *kept)


@dataclass
class Outcome:
    """How one replayed exchange compared with its recording."""

    number: int
    scenario: str
    method: str
    path: str
    recorded_status: int
    live_status: int
    problems: list[str] = field(default_factory=list)
    error_body_difference: str | None = None

    @property
    def status_matches(self) -> bool:
        return self.recorded_status == self.live_status

    @property
    def matches(self) -> bool:
        return self.status_matches and not self.problems

    def describe(self) -> str:
        head = f"#{self.number} {self.scenario}: {self.method} {self.path}"
        status = f"status {self.recorded_status} -> {self.live_status}"
        return f"{head} [{status}] " + "; ".join(self.problems or ["ok"])


class Comparison:
    """The outcomes of a replay so far; ``unordered_keys`` name objects compared as key sets,
    ``opaque_keys`` objects whose keys are not compared."""

    def __init__(
        self, unordered_keys: Collection[str] = (), opaque_keys: Collection[str] = ()
    ) -> None:
        self.unordered_keys = frozenset(unordered_keys)
        self.opaque_keys = frozenset(opaque_keys)
        self.outcomes: list[Outcome] = []

    def record(
        self,
        number: int,
        scenario: str,
        method: str,
        path: str,
        recorded: dict[str, Any],
        live: urllib3.BaseHTTPResponse,
    ) -> Outcome:
        """Compare one answer with its recording and keep the outcome."""
        outcome = Outcome(number, scenario, method, path, recorded["status"], live.status)
        outcome.problems = self.compare(recorded, live)
        outcome.error_body_difference = self.compare_error_body(recorded, live)
        self.outcomes.append(outcome)
        return outcome

    def compare(self, recorded: dict[str, Any], live: urllib3.BaseHTTPResponse) -> list[str]:
        problems = []
        old_type = recorded["headers"].get("content-type", "").split(";")[0]
        new_type = live.headers.get("content-type", "").split(";")[0]
        if old_type != new_type:
            problems.append(f"content-type {old_type or '(none)'!r} != {new_type or '(none)'!r}")
        for name in COMPARED_HEADERS:
            if recorded["headers"].get(name) != live.headers.get(name):
                problems.append(
                    f"{name} {recorded['headers'].get(name)!r} != {live.headers.get(name)!r}"
                )
        if ("retry-after" in recorded["headers"]) != ("retry-after" in live.headers):
            problems.append("Retry-After presence differs")
        old_cookies = sorted(map(cookie_attributes, recorded["headers"].get("set-cookie", [])))
        new_cookies = sorted(map(cookie_attributes, live.headers.getlist("set-cookie")))
        if old_cookies != new_cookies:
            problems.append(f"cookies {old_cookies} != {new_cookies}")
        if recorded["json"] is not None:
            try:
                live_json = json.loads(live.data)
            except ValueError:
                return [*problems, f"body is not JSON: {live.data[:80]!r}"]
            problems += shape_differences(
                recorded["json"],
                live_json,
                unordered_keys=self.unordered_keys,
                opaque_keys=self.opaque_keys,
            )
        elif (recorded.get("text") or "") == "" and live.data:
            problems.append(f"body should be empty, got {live.data[:80]!r}")
        elif recorded.get("text") and not live.data:
            problems.append("body is empty, the recording has one")
        return problems

    @staticmethod
    def compare_error_body(recorded: dict[str, Any], live: urllib3.BaseHTTPResponse) -> str | None:
        """For a JSON error answer, how its body differs from the recorded one, if it does.

        Error bodies hold no tokens, ids of the run or times, only the libraries' and the
        server's messages, so they are compared whole.
        """
        if recorded["status"] < 400 or recorded["json"] is None:
            return None
        try:
            body = json.loads(live.data)
        except ValueError:
            return f"not JSON: {live.data[:80]!r}"
        if body != recorded["json"]:
            return f"{json.dumps(recorded['json'])} != {json.dumps(body)}"
        return None

    def report(self) -> str:
        differing = [o for o in self.outcomes if not o.matches]
        matched = len(self.outcomes) - len(differing)
        lines = [f"{matched}/{len(self.outcomes)} exchanges match the recording"]
        lines += [o.describe() for o in differing]
        return "\n".join(lines)


def check_statuses(replayed: Comparison) -> None:
    """Every replayed exchange answered the recorded status."""
    wrong = [o.describe() for o in replayed.outcomes if not o.status_matches]
    assert not wrong, "status codes differ:\n" + "\n".join(wrong) + "\n\n" + replayed.report()


def check_error_bodies(replayed: Comparison, minimum: int) -> None:
    """Every recorded JSON error body came back equal (and there were at least ``minimum``)."""
    errors = [o for o in replayed.outcomes if o.recorded_status >= 400]
    different = [
        f"{o.describe()}: {o.error_body_difference}" for o in errors if o.error_body_difference
    ]
    assert len(errors) > minimum
    assert not different, "\n".join(different)


def check_shapes(replayed: Comparison, record_property: Callable[[str, object], None]) -> None:
    """At least 95% match in shape; the tolerated differences are listed at the end of the
    run, in a section of their own (see ``tests/replay_difference.py``)."""
    matched = sum(o.matches for o in replayed.outcomes)
    ratio = matched / len(replayed.outcomes)
    record_property("replay_report", replayed.report())
    assert ratio >= REQUIRED_MATCH_RATIO, replayed.report()
    if matched < len(replayed.outcomes):  # tolerated, but shown in every run's summary
        replay_difference.record(record_property, replayed.report())
