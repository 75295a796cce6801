"""The v0.10.9 emulator these tests share, and a ready team with a member and a request.

One emulator (profile ``0.10.9``, throttles off so the suite's pace never trips them) serves
every test in this directory that does not need its own configuration; tests create records
under unique names, so they do not depend on each other.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from session_api import API, MEMBER, OUTSIDER, Session, unique

from keystone.testing import KeystoneEmulator


@pytest.fixture(scope="session")
def v010() -> Iterator[KeystoneEmulator]:
    with KeystoneEmulator(
        api=API, users=[MEMBER, OUTSIDER], user_throttle=None, anon_throttle=None
    ) as emulator:
        yield emulator


@pytest.fixture(scope="session")
def admin(v010: KeystoneEmulator) -> Session:
    return Session.admin(v010)


@pytest.fixture(scope="session")
def member(v010: KeystoneEmulator) -> Session:
    return Session.logged_in(v010, MEMBER.username, MEMBER.password)


@pytest.fixture
def team(admin: Session, member: Session) -> dict[str, Any]:
    """A fresh team in which ``member`` is an admin, with one allocation request."""
    record = admin.create("users/teams/", {"name": unique("team")})
    whoami = member.get("authentication/whoami/").json()
    admin.create("users/memberships/", {"user": whoami["id"], "team": record["id"], "role": "AD"})
    request = admin.create(
        "allocations/requests/",
        {
            "title": unique("request"),
            "description": "d",
            "submitter": whoami["id"],
            "team": record["id"],
        },
    )
    return {**record, "member_id": whoami["id"], "request": request}
