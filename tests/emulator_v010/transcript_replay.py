"""Replaying the exchanges recorded from real Keystone servers (0.4.1 to 0.10.9) against emulators.

A recording (``tests/emulator/data/keystone-<release>-transcripts.json``) holds each request as
sent and a ``template`` of it: who sent it (``as``: a cookie jar per identity, ``fresh`` for a
new one, ``jar_copy`` to keep a copy before a logout), which server (``target``), and
``<<var>>`` placeholders for ids the recorder captured from earlier answers (``capture``).
:class:`Replayer` rebuilds every request from its template with the ids, cookies, CSRF tokens
and API token the emulator hands out, and compares each answer with the recorded one.
"""

from __future__ import annotations

import json
import re
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import urllib3
from emulator.replay_support import Comparison

DATA = Path(__file__).resolve().parents[1] / "emulator" / "data"
TRANSCRIPT = DATA / "keystone-0.10.9-transcripts.json"
UNORDERED_KEYS = frozenset({"changes"})
"""Objects compared as key sets: django-auditlog diffs a *set* of fields, so the order of an
audit entry's ``changes`` follows the process's string-hash seed, on the real server too."""

_VAR = re.compile(r"<<([A-Za-z0-9_]+)>>")


def load_transcript(release: str = "0.10.9") -> dict[str, Any]:
    """The exchanges recorded from a real server of ``release``."""
    path = DATA / f"keystone-{release}-transcripts.json"
    return dict(json.loads(path.read_text("utf-8")))


class Replayer(Comparison):
    """Sends templated requests to emulators and compares the answers with the recording."""

    def __init__(
        self,
        variables: dict[str, Any],
        ca_certs: str | None = None,
        opaque_keys: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__(UNORDERED_KEYS, opaque_keys)
        self.http = urllib3.PoolManager(
            retries=False, timeout=urllib3.Timeout(30), ca_certs=ca_certs
        )
        self.variables = dict(variables)
        self.jars: dict[str | None, dict[str, str]] = {}

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
        self.record(number, scenario, method, path, recorded, live)

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
