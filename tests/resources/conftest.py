"""Emulators, clients and a graph of related records shared by the resource tests.

One plain (Keystone 0.3.26, unpaginated) emulator for the session (per worker), with a staff
admin and a non-staff member, shared by the modules here: their records carry unique names,
and tests that need zeroed counters call ``emulator.stats.reset()`` themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from resource_helpers import MEMBER, PASSWORD, unique

from keystone import KeystoneClient
from keystone.testing import KeystoneEmulator


@pytest.fixture(scope="session")
def emulator() -> Iterator[KeystoneEmulator]:
    with KeystoneEmulator(api="0.3.26", users=[MEMBER]) as running:
        yield running


@pytest.fixture(scope="module")
def admin(emulator: KeystoneEmulator) -> Iterator[KeystoneClient]:
    client = KeystoneClient(emulator.url)
    client.login(emulator.admin_username, emulator.admin_password)
    yield client
    client.close()


@pytest.fixture(scope="module")
def member(emulator: KeystoneEmulator) -> Iterator[KeystoneClient]:
    client = KeystoneClient(emulator.url)
    client.login(MEMBER.username, MEMBER.password)
    yield client
    client.close()


@pytest.fixture(scope="module")
def graph(admin: KeystoneClient) -> dict[str, Any]:
    """One record of each writable resource, linked the way the server requires.

    A research group needs a PI, an allocation request a group, an allocation a request and a
    cluster, a review a request; grants and publications belong to a group.
    """
    pi = admin.create_user(username=unique("pi"), password=PASSWORD)
    group = admin.create_research_group(name=unique("group"), pi=pi["id"], members=[pi["id"]])
    cluster = admin.create_cluster(name=unique("cluster"), description="graph cluster")
    request = admin.create_request(
        title=unique("request"), description="graph request", group=group["id"]
    )
    allocation = admin.create_allocation(
        requested=1000, cluster=cluster["id"], request=request["id"]
    )
    review = admin.create_review(request=request["id"], status="AP")
    return {
        "user": pi,
        "research_group": group,
        "cluster": cluster,
        "request": request,
        "allocation": allocation,
        "review": review,
    }
