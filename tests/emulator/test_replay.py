"""Replay the 88 exchanges recorded from a real Keystone API 0.3.26 server against the emulator.

The recording (``data/keystone-0.3.26-transcripts.json``, see its ``about``) ran on a fresh
database whose only user was the staff account ``admin`` (id 1), with a 3-second access-token
lifetime; its ``throttled`` scenario ran against a second instance on the same database and
signing key, with a 300-second access lifetime and a user throttle of 3/min. The replay
configures two emulators the same way and sends every request in order.

Tokens: a token in a recorded request was returned by an earlier login or refresh exchange, so
each recorded token is mapped to the one the emulator returned at the same place; tokens that
were never issued (``garbage.token.value``) are sent as recorded. Where the recording shows a
real, issued access token rejected as invalid, the recorded run had waited for it to expire,
so the replay waits until the emulator's token is past its own ``exp``.

Every status code must be equal. Beyond that an exchange matches when the response has the
same JSON shape (keys, value types and list lengths, recursively), the same media type,
an empty body where the recording has one, and the same ``Location``, ``WWW-Authenticate`` and
``Allow`` headers and ``Retry-After`` presence; at least 95% of exchanges must match, and the
assertion message lists every one that does not, with the reason.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import urllib3
from replay_support import Comparison, check_error_bodies, check_shapes, check_statuses

from keystone.testing import KeystoneEmulator

TRANSCRIPT = Path(__file__).resolve().parent / "data" / "keystone-0.3.26-transcripts.json"
SECOND_INSTANCE_SCENARIOS = frozenset({"throttled"})


def load_transcript() -> dict[str, Any]:
    return dict(json.loads(TRANSCRIPT.read_text("utf-8")))


def jwt_claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def issued_tokens(body: Any) -> Iterator[str]:
    if isinstance(body, dict):
        for key in ("access", "refresh"):
            if isinstance(body.get(key), str):
                yield key


class Replayer(Comparison):
    """Sends recorded requests to emulators, translating tokens, and compares the answers."""

    def __init__(self) -> None:
        super().__init__()
        self.http = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(30))
        self.tokens: dict[str, str] = {}

    def translate(self, value: Any) -> Any:
        if isinstance(value, str):
            if value.startswith("Bearer "):
                return "Bearer " + self.tokens.get(value[7:], value[7:])
            return self.tokens.get(value, value)
        if isinstance(value, dict):
            return {key: self.translate(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.translate(item) for item in value]
        return value

    def wait_for_expiry(self, request: dict[str, Any], response: dict[str, Any]) -> None:
        """Sleep past the live token's expiry where the recording shows an issued token expired."""
        body = response.get("json")
        if response["status"] != 401 or not isinstance(body, dict):
            return
        if body.get("code") != "token_not_valid" or "blacklisted" in body.get("detail", ""):
            return
        sent = request["headers"].get("Authorization", "").removeprefix("Bearer ")
        sent = sent or (request.get("json") or {}).get("refresh", "")
        live = self.tokens.get(sent)
        if live is not None:  # an issued token (not a deliberately invalid one) was rejected
            time.sleep(max(0.0, jwt_claims(live)["exp"] - time.time() + 0.3))

    def replay(self, base_url: str, number: int, scenario: str, exchange: dict[str, Any]) -> None:
        request, recorded = exchange["request"], exchange["response"]
        self.wait_for_expiry(request, recorded)
        headers = {k: self.translate(v) for k, v in request["headers"].items()}
        if request["json"] is not None:
            body: bytes | None = json.dumps(self.translate(request["json"])).encode()
        elif request["raw_body"] is not None:
            body = request["raw_body"].encode()
        else:
            body = None
        live = self.http.request(
            request["method"],
            base_url.rstrip("/") + request["path"],
            body=body,
            headers=headers,
            redirect=False,
        )
        self.record(number, scenario, request["method"], request["path"], recorded, live)
        self.learn_tokens(recorded.get("json"), live)

    def learn_tokens(self, recorded_body: Any, live: urllib3.BaseHTTPResponse) -> None:
        keys = list(issued_tokens(recorded_body))
        if not keys:
            return
        try:
            live_body = json.loads(live.data)
        except ValueError:
            return
        for key in keys:
            if isinstance(live_body, dict) and isinstance(live_body.get(key), str):
                self.tokens[recorded_body[key]] = live_body[key]


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> Replayer:
    """The whole transcript replayed against two emulators configured like the recording."""
    transcript = load_transcript()
    shared = recording_settings(tmp_path_factory.mktemp("replay") / "keystone.sqlite3")
    replayer = Replayer()
    number = 0
    with KeystoneEmulator(api="0.3.26", **shared, access_token_lifetime=3) as first:
        for scenario, exchanges in transcript["scenarios"].items():
            if scenario in SECOND_INSTANCE_SCENARIOS:
                continue
            for exchange in exchanges:
                number += 1
                replayer.replay(first.url, number, scenario, exchange)
    with KeystoneEmulator(
        api="0.3.26", **shared, access_token_lifetime=300, user_throttle="3/min"
    ) as second:
        for scenario in SECOND_INSTANCE_SCENARIOS:
            for exchange in transcript["scenarios"][scenario]:
                number += 1
                replayer.replay(second.url, number, scenario, exchange)
    print(replayer.report())
    return replayer


def recording_settings(database: Path) -> dict[str, Any]:
    """Settings both recorded instances shared: the admin account, database and signing key."""
    return {
        "admin_username": "admin",
        "admin_password": "adminpass123",
        "refresh_token_lifetime": 86400,
        "database_path": str(database),
        "secret_key": secrets.token_urlsafe(32),
    }


def test_every_recorded_exchange_was_replayed(replayed: Replayer) -> None:
    transcript = load_transcript()
    expected = sum(len(exchanges) for exchanges in transcript["scenarios"].values())
    assert len(replayed.outcomes) == expected == 88


def test_every_status_code_equals_the_recording(replayed: Replayer) -> None:
    check_statuses(replayed)


def test_error_bodies_equal_the_recording(replayed: Replayer) -> None:
    check_error_bodies(replayed, minimum=20)


def test_response_shapes_match_the_recording(
    replayed: Replayer, record_property: Callable[[str, object], None]
) -> None:
    check_shapes(replayed, record_property)
