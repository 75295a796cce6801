"""Replaying the exchanges recorded from a real Keystone v0.10.9 server against emulators.

The recording (``tests/emulator/data/keystone-0.10.9-transcripts.json``) holds each request as
sent and a ``template`` of it: who sent it (``as``: a cookie jar per identity, ``fresh`` for a
new one, ``jar_copy`` to keep a copy before a logout), which server (``target``), and
``<<var>>`` placeholders for ids the recorder captured from earlier answers (``capture``).
:class:`Replayer` rebuilds every request from its template with the ids, cookies, CSRF tokens
and API token the emulator hands out, and compares each answer with the recorded one.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import urllib3

TRANSCRIPT = Path(__file__).resolve().parents[1] / "emulator" / "data"
TRANSCRIPT = TRANSCRIPT / "keystone-0.10.9-transcripts.json"
COMPARED_HEADERS = ("location", "www-authenticate", "allow")
UNORDERED_KEYS = frozenset({"changes"})
"""Objects compared as key sets: django-auditlog diffs a *set* of fields, so the order of an
audit entry's ``changes`` follows the process's string-hash seed, on the real server too."""

_VAR = re.compile(r"<<([A-Za-z0-9_]+)>>")


def load_transcript() -> dict[str, Any]:
    return dict(json.loads(TRANSCRIPT.read_text("utf-8")))


def shape(value: Any) -> Any:
    """A JSON value's structure: keys and list lengths kept, scalars by type name."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item) for item in value]
    return "null" if value is None else type(value).__name__


def shape_differences(recorded: Any, live: Any, where: str = "$") -> list[str]:
    """Every place where two JSON values differ in keys, value types or list lengths."""
    if isinstance(recorded, dict) and isinstance(live, dict):
        problems = []
        same = (
            set(recorded) == set(live)
            if where.rsplit(".", 1)[-1] in UNORDERED_KEYS
            else list(recorded) == list(live)
        )
        if not same:
            problems.append(f"{where}: keys {list(recorded)} != {list(live)}")
        for key in recorded.keys() & live.keys():
            problems += shape_differences(recorded[key], live[key], f"{where}.{key}")
        return problems
    if isinstance(recorded, list) and isinstance(live, list):
        if len(recorded) != len(live):
            return [f"{where}: list length {len(recorded)} != {len(live)}"]
        problems = []
        for index, (old, new) in enumerate(zip(recorded, live, strict=True)):
            problems += shape_differences(old, new, f"{where}[{index}]")
        return problems
    if shape(recorded) != shape(live) or isinstance(recorded, (dict, list)):
        return [f"{where}: {json.dumps(shape(recorded))} != {json.dumps(shape(live))}"]
    return []


def cookie_attributes(set_cookie: str) -> tuple[str, ...]:
    """A ``Set-Cookie`` value without its value and date: name, Max-Age, flags, path, SameSite."""
    parts = [part.strip() for part in set_cookie.split(";")]
    name = parts[0].split("=", 1)[0]
    deleting = parts[0].split("=", 1)[1] in ('""', "")
    kept = [p for p in parts[1:] if not p.lower().startswith("expires=")]
    return (name, "deleted" if deleting else "set", *sorted(kept))


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


class Replayer:
    """Sends templated requests to emulators and compares the answers with the recording."""

    def __init__(self, variables: dict[str, Any], ca_certs: str | None = None) -> None:
        self.http = urllib3.PoolManager(
            retries=False, timeout=urllib3.Timeout(30), ca_certs=ca_certs
        )
        self.variables = dict(variables)
        self.jars: dict[str | None, dict[str, str]] = {}
        self.outcomes: list[Outcome] = []

    def fill(self, value: Any) -> Any:
        """``value`` with ``<<var>>`` replaced; a whole-string placeholder keeps its type."""
        if isinstance(value, dict):
            return {key: self.fill(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.fill(item) for item in value]
        if not isinstance(value, str):
            return value
        whole = _VAR.fullmatch(value)
        if whole:
            return self.variables[whole.group(1)]
        return _VAR.sub(lambda m: str(self.variables[m.group(1)]), value)

    def headers(self, template: dict[str, Any], jar: dict[str, str]) -> dict[str, str]:
        built = {}
        for name, value in template["headers"].items():
            value = self.fill(value)
            if name.lower() == "cookie":
                wanted = [part.split("=", 1)[0].strip() for part in value.split(";")]
                value = "; ".join(f"{n}={jar[n]}" for n in wanted if n in jar)
                if not value:
                    continue
            value = value.replace("<csrftoken>", jar.get("csrftoken", ""))
            value = value.replace("<sessionid>", jar.get("sessionid", ""))
            value = value.replace("<token>", str(self.variables["token"]))
            built[name] = value
        return built

    def replay(self, base_url: str, number: int, scenario: str, exchange: dict[str, Any]) -> None:
        template, recorded = exchange["template"], exchange["response"]
        who = template.get("as")
        if template.get("fresh"):
            self.jars[who] = {}
        if template.get("jar_copy"):
            source, target = template["jar_copy"]
            self.jars[target] = dict(self.jars.get(source, {}))
        jar = self.jars.setdefault(who, {})
        method = exchange["request"]["method"]
        path = self.fill(template["path"])
        body: bytes | None = None
        if "json" in template:
            body = json.dumps(self.fill(template["json"])).encode()
        elif "raw_body" in template:
            body = self.fill(template["raw_body"]).encode()
        live = self.http.request(
            method,
            base_url.rstrip("/") + path,
            body=body,
            headers=self.headers(template, jar),
            redirect=False,
        )
        self.remember_cookies(jar, live)
        self.capture(template.get("capture") or {}, live)
        outcome = Outcome(number, scenario, method, path, recorded["status"], live.status)
        outcome.problems = self.compare(recorded, live)
        outcome.error_body_difference = self.compare_error_body(recorded, live)
        self.outcomes.append(outcome)

    @staticmethod
    def remember_cookies(jar: dict[str, str], live: urllib3.BaseHTTPResponse) -> None:
        for header in live.headers.getlist("set-cookie"):
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0" or morsel.value in ("", '""'):
                    jar.pop(name, None)
                else:
                    jar[name] = morsel.value

    def capture(self, wanted: dict[str, str], live: urllib3.BaseHTTPResponse) -> None:
        if not wanted:
            return
        document = json.loads(live.data)
        for name, dotpath in wanted.items():
            value = document
            for part in dotpath.split("."):
                value = value[int(part)] if isinstance(value, list) else value[part]
            self.variables[name] = value

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
            problems += shape_differences(recorded["json"], live_json)
        elif not recorded.get("text") and live.data:
            problems.append(f"body should be empty, got {live.data[:80]!r}")
        elif recorded.get("text") and not live.data:
            problems.append("body is empty, the recording has one")
        return problems

    @staticmethod
    def compare_error_body(recorded: dict[str, Any], live: urllib3.BaseHTTPResponse) -> str | None:
        """For a JSON error answer, how its body differs from the recorded one, if it does.

        These bodies hold the libraries' and the server's messages, no ids of the run (the
        batch errors name steps by position), so they are compared whole.
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
