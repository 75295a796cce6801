"""A Keystone v0.10.9 emulator, clients of it and a graph of related records.

One emulator for the session (per worker), shared by the modules here, with a staff admin and
a non-staff member. The admin logs in as users do (``login()``: a session, with CSRF on every
write), the member holds an API token (``StaticTokenAuth``), which every endpoint of v0.10.9
accepts too. Records carry unique names; tests that need zeroed counters call
``emulator.stats.reset()`` themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from resource_helpers import MEMBER, PASSWORD, unique

from keystone import KeystoneClient
from keystone.auth import StaticTokenAuth
from keystone.testing import KeystoneEmulator


@pytest.fixture(scope="session")
def emulator() -> Iterator[KeystoneEmulator]:
    with KeystoneEmulator(api="0.10.9", users=[MEMBER], user_throttle=None) as running:
        yield running


def token_client(emulator: KeystoneEmulator, username: str, **options: Any) -> KeystoneClient:
    """A client of ``emulator`` holding an API token of ``username``."""
    return KeystoneClient(
        emulator.url, auth=StaticTokenAuth(emulator.create_token(username)), **options
    )


@pytest.fixture(scope="module")
def admin(emulator: KeystoneEmulator) -> Iterator[KeystoneClient]:
    client = KeystoneClient(emulator.url)
    client.login(emulator.admin_username, emulator.admin_password)
    yield client
    client.logout()


@pytest.fixture(scope="module")
def member(emulator: KeystoneEmulator) -> Iterator[KeystoneClient]:
    client = token_client(emulator, MEMBER.username)
    yield client
    client.close()


@pytest.fixture(scope="module")
def graph(admin: KeystoneClient) -> dict[str, Any]:
    """One record of each writable resource, linked the way the server requires.

    A team has memberships; an allocation request belongs to a team and has a submitter; an
    allocation awards a cluster's units for a request; reviews, comments and attachments
    belong to a request; grants and publications to a team.
    """
    user = admin.create_user(username=unique("pi"), password=PASSWORD)
    team = admin.create_team(name=unique("team"))
    membership = admin.create_membership(team=team["id"], user=user["id"], role="OW")
    cluster = admin.create_cluster(name=unique("cluster"), description="graph cluster")
    request = admin.create_request(
        title=unique("request"), description="graph", team=team["id"], submitter=user["id"]
    )
    return {
        "user": user,
        "team": team,
        "membership": membership,
        "cluster": cluster,
        "request": request,
    }
