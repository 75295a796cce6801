"""Replay the 347 exchanges recorded from a real Keystone v0.10.9 server against the emulator.

The recording ran against a server whose staff user ``admin`` had a DRF token and two
notifications made in the Django shell beforehand; the replay makes the same with the control
channel (``create_token``, ``notify``). The ``throttled`` scenario ran against a second,
freshly started instance on the same database and secret key with user and anonymous rates of
3/min; the replay does the same. The recorder paced its requests and waited out any 429
outside that scenario, so the main instance here runs without throttles.

The recorded database held other clients' records (see the transcript's ``server.notes``), so
unfiltered counts differ; every exchange must still answer the recorded status, at least 95%
must match in shape (keys, value types and list lengths, recursively; media type, compared
headers, cookie attributes), every recorded JSON error body must be equal, and the tolerated
differences are shown as a warning in every run.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from emulator.replay_support import check_error_bodies, check_shapes, check_statuses
from transcript_replay import Replayer, load_transcript

from keystone.testing import KeystoneEmulator

API = "0.10.9"
SECOND_INSTANCE_SCENARIOS = frozenset({"throttled"})


def recording_settings(database: Path) -> dict[str, Any]:
    """What both recorded instances shared: the admin account, database and secret key."""
    return {
        "api": API,
        "admin_username": "admin",
        "admin_password": "adminpass123",
        "database_path": str(database),
        "secret_key": secrets.token_urlsafe(32),
    }


def prepare(emulator: KeystoneEmulator, transcript: dict[str, Any]) -> dict[str, Any]:
    """The admin's token and notifications, as made before the recording; the variables."""
    tag = transcript["vars"]["tag"]["recorded"]
    emulator.notify("admin", f"rec-{tag} general notice", "Recorder notice (general notice).")
    emulator.notify("admin", f"rec-{tag} request expiring", "Recorder notice (request expiring).")
    return {
        "tag": tag,
        "cid": transcript["vars"]["cid"]["recorded"],
        "user_pw": transcript["vars"]["user_pw"]["recorded"],
        "admin_user": "admin",
        "admin_pw": "adminpass123",
        "token": emulator.create_token("admin"),
    }


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> Replayer:
    """The whole transcript replayed against two emulators configured like the recording."""
    transcript = load_transcript()
    shared = recording_settings(tmp_path_factory.mktemp("replay") / "keystone.sqlite3")
    number = 0
    with KeystoneEmulator(**shared, user_throttle=None, anon_throttle=None) as main:
        replayer = Replayer(prepare(main, transcript))
        for scenario, exchanges in transcript["scenarios"].items():
            if scenario in SECOND_INSTANCE_SCENARIOS:
                number += len(exchanges)
                continue
            for offset, exchange in enumerate(exchanges):
                replayer.replay(main.url, number + offset + 1, scenario, exchange)
            number += len(exchanges)
    with KeystoneEmulator(**shared, user_throttle="3/min", anon_throttle="3/min") as second:
        number = 0
        for scenario, exchanges in transcript["scenarios"].items():
            if scenario in SECOND_INSTANCE_SCENARIOS:
                for offset, exchange in enumerate(exchanges):
                    replayer.replay(second.url, number + offset + 1, scenario, exchange)
            number += len(exchanges)
    print(replayer.report())
    return replayer


def test_every_recorded_exchange_was_replayed(replayed: Replayer) -> None:
    transcript = load_transcript()
    expected = sum(len(exchanges) for exchanges in transcript["scenarios"].values())
    assert len(replayed.outcomes) == expected == 347


def test_every_status_code_equals_the_recording(replayed: Replayer) -> None:
    check_statuses(replayed)


def test_error_bodies_equal_the_recording(replayed: Replayer) -> None:
    check_error_bodies(replayed, minimum=80)


def test_response_shapes_match_the_recording(
    replayed: Replayer, record_property: Callable[[str, object], None]
) -> None:
    check_shapes(replayed, record_property)
