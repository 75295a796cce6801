"""Replay what real servers of each release line from 0.4.1 to 0.9.5 answered, against the
emulator of that release.

Each recording (``tests/emulator/data/keystone-<release>-transcripts.json``, made with
``tools/record_transcripts.py`` against a real server of the tag, on a fresh database whose
only account was the staff user ``admin`` with a DRF token made in the Django shell) covers
the same ground on every line: the public endpoints and which collections exist, login and
logout as the release does them, API tokens, clusters, research groups or teams and their
memberships, requests, grants and publications with their required fields, filters and
negated lookups (recorded also where the release ignores them), paging, and the choices and
other read-only endpoints. Every exchange must answer the recorded status, every recorded JSON
error body must come back equal, and at least 95% must match in shape (keys, value types and
list lengths, recursively; media type, compared headers, cookie attributes); the tolerated
differences are shown as a warning in every run. An audit entry's ``changes`` (0.6.5 on) lists
the fields the django-auditlog of the release's lock file tracked, reverse relations or not;
the emulator runs one version of it, so there only the object is compared, not its keys.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from emulator.replay_support import check_error_bodies, check_shapes, check_statuses
from transcript_replay import Replayer, load_transcript

from keystone.testing import KeystoneEmulator

RELEASES = ("0.4.1", "0.5.17", "0.6.21", "0.7.5", "0.8.7", "0.9.5")


@pytest.fixture(scope="module", params=RELEASES)
def replayed(request: pytest.FixtureRequest) -> Replayer:
    """A release's whole recording replayed against a fresh emulator of that release."""
    release = request.param
    transcript = load_transcript(release)
    settings = {"admin_username": "admin", "admin_password": "adminpass123"}
    with KeystoneEmulator(api=release, **settings, user_throttle=None, anon_throttle=None) as live:
        replayer = Replayer(
            opaque_keys=frozenset({"changes"}),
            variables={
                "tag": transcript["vars"]["tag"]["recorded"],
                "user_pw": transcript["vars"]["user_pw"]["recorded"],
                "admin_user": "admin",
                "admin_pw": "adminpass123",
                "token": live.create_token("admin"),
            },
        )
        number = 0
        for scenario, exchanges in transcript["scenarios"].items():
            for exchange in exchanges:
                number += 1
                replayer.replay(live.url, number, scenario, exchange)
    replayer.release = release  # type: ignore[attr-defined]
    return replayer


def test_every_recorded_exchange_was_replayed(replayed: Replayer) -> None:
    transcript = load_transcript(replayed.release)  # type: ignore[attr-defined]
    expected = sum(len(exchanges) for exchanges in transcript["scenarios"].values())
    assert len(replayed.outcomes) == expected >= 150


def test_every_status_code_equals_the_recording(replayed: Replayer) -> None:
    check_statuses(replayed)


def test_error_bodies_equal_the_recording(replayed: Replayer) -> None:
    check_error_bodies(replayed, minimum=20)


def test_response_shapes_match_the_recording(
    replayed: Replayer, record_property: Callable[[str, object], None]
) -> None:
    check_shapes(replayed, record_property)
