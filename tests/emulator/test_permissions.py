"""Who may read and write what: non-staff users in different group roles against staff.

One emulator serves the module. Two research groups are set up by the admin: group A (PI
``pi``, admin ``manager``, member ``member``) and group B (PI ``outsider``), each with one
record of every group-owned resource, so each test can check both what a user may do in their
own group and what they cannot see or touch in another.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from emulator_api import COLLECTIONS, PERMISSION_DENIED, Client

from keystone.testing import KeystoneEmulator, UserSpec

PASSWORD = "Perm-test-pw-9"
NAMES = ("pi", "manager", "member", "outsider", "staffer")


@dataclass
class World:
    emulator: KeystoneEmulator
    clients: dict[str, Client]
    users: dict[str, int]
    records: dict[str, dict[str, int]]  # collection path -> {"A": id, "B": id}

    def client(self, name: str) -> Client:
        return self.clients[name]


def _records_for_group(admin: Client, group: int, cluster: int) -> dict[str, int]:
    request = admin.create(
        "allocations/requests/", {"title": f"r{group}", "description": "d", "group": group}
    )
    allocation = admin.create(
        "allocations/allocations/", {"requested": 10, "cluster": cluster, "request": request["id"]}
    )
    review = admin.create("allocations/reviews/", {"request": request["id"], "status": "AP"})
    grant = admin.create("research/grants/", grant_body(group))
    publication = admin.create("research/publications/", publication_body(group))
    return {
        "allocations/requests/": request["id"],
        "allocations/allocations/": allocation["id"],
        "allocations/reviews/": review["id"],
        "research/grants/": grant["id"],
        "research/publications/": publication["id"],
    }


def grant_body(group: int) -> dict[str, Any]:
    return {
        "title": "g",
        "agency": "NSF",
        "amount": "10.00",
        "grant_number": "G",
        "fiscal_year": 2024,
        "start_date": "2024-01-01",
        "end_date": "2025-01-01",
        "group": group,
    }


def publication_body(group: int) -> dict[str, Any]:
    return {"title": "p", "abstract": "a", "date": "2024-05-05", "journal": "J", "group": group}


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    users = [UserSpec(name, PASSWORD, is_staff=name == "staffer") for name in NAMES]
    with KeystoneEmulator(
        api="0.3.26", users=users, user_throttle=None, anon_throttle=None
    ) as emulator:
        admin = Client.admin(emulator)
        ids = {u["username"]: u["id"] for u in admin.get("users/users/").json()}
        group_a = admin.create(
            "users/researchgroups/",
            {"name": "A", "pi": ids["pi"], "admins": [ids["manager"]], "members": [ids["member"]]},
        )
        group_b = admin.create("users/researchgroups/", {"name": "B", "pi": ids["outsider"]})
        cluster = admin.create("allocations/clusters/", {"name": "c"})["id"]
        per_group = {
            "A": _records_for_group(admin, group_a["id"], cluster),
            "B": _records_for_group(admin, group_b["id"], cluster),
        }
        records = {path: {g: per_group[g][path] for g in "AB"} for path in per_group["A"]}
        records["users/researchgroups/"] = {"A": group_a["id"], "B": group_b["id"]}
        clients = {name: Client(emulator.url, name, PASSWORD) for name in NAMES}
        clients["admin"] = admin
        yield World(emulator, clients, ids, records)


GROUP_SCOPED = (
    "allocations/allocations/",
    "allocations/requests/",
    "allocations/reviews/",
    "research/grants/",
    "research/publications/",
)


@pytest.mark.parametrize("path", GROUP_SCOPED)
@pytest.mark.parametrize("name", ["pi", "manager", "member"])
def test_group_records_are_visible_only_to_their_group(world: World, path: str, name: str) -> None:
    client = world.client(name)
    assert client.ids(path) == [world.records[path]["A"]]
    assert client.get(f"{path}{world.records[path]['B']}/").status == 404
    assert world.client("outsider").ids(path) == [world.records[path]["B"]]


@pytest.mark.parametrize("path", GROUP_SCOPED)
def test_staff_see_every_group_record(world: World, path: str) -> None:
    expected = sorted(world.records[path].values())
    assert world.client("staffer").ids(path) == expected
    assert world.client("admin").ids(path) == expected


@pytest.mark.parametrize("path", ["allocations/allocations/", "allocations/reviews/"])
def test_allocations_and_reviews_are_written_by_staff_only(world: World, path: str) -> None:
    record = f"{path}{world.records[path]['A']}/"
    for name in ("pi", "manager", "member"):
        client = world.client(name)
        assert client.patch(record, {}).status == 403
        assert client.delete(record).status == 403
        denied = client.post(path, {})
        assert (denied.status, denied.json()) == (403, PERMISSION_DENIED)
    assert world.client("staffer").patch(record, {}).status == 200


def test_clusters_are_read_by_everyone_and_written_by_staff(world: World) -> None:
    for name in ("pi", "member", "outsider"):
        client = world.client(name)
        assert client.get("allocations/clusters/").status == 200
        assert client.post("allocations/clusters/", {"name": "x"}).json() == PERMISSION_DENIED
    created = world.client("staffer").create("allocations/clusters/", {"name": "by-staff"})
    assert world.client("member").delete(f"allocations/clusters/{created['id']}/").status == 403
    assert world.client("staffer").delete(f"allocations/clusters/{created['id']}/").status == 204


def test_allocation_requests_are_created_by_pi_or_admins_and_changed_by_staff(
    world: World,
) -> None:
    group_a = world.records["users/researchgroups/"]["A"]
    body = {"title": "new", "description": "d", "group": group_a}
    assert world.client("member").post("allocations/requests/", body).status == 403
    assert world.client("outsider").post("allocations/requests/", body).status == 403
    for name in ("pi", "manager"):
        created = world.client(name).create("allocations/requests/", body)
        record = f"allocations/requests/{created['id']}/"
        assert world.client(name).patch(record, {"title": "edit"}).status == 403
        assert world.client(name).delete(record).status == 403
        assert world.client("staffer").patch(record, {"title": "edit"}).status == 200
        assert world.client("staffer").delete(record).status == 204


def test_grants_are_written_by_the_groups_pi_and_admins(world: World) -> None:
    group_a = world.records["users/researchgroups/"]["A"]
    record = f"research/grants/{world.records['research/grants/']['A']}/"
    assert world.client("member").post("research/grants/", grant_body(group_a)).status == 403
    assert world.client("member").patch(record, {"title": "m"}).status == 403
    assert world.client("outsider").post("research/grants/", grant_body(group_a)).status == 403
    assert world.client("manager").patch(record, {"title": "by manager"}).status == 200
    created = world.client("pi").create("research/grants/", grant_body(group_a))
    assert world.client("pi").delete(f"research/grants/{created['id']}/").status == 204


def test_publications_are_written_by_any_group_member(world: World) -> None:
    group_a = world.records["users/researchgroups/"]["A"]
    group_b = world.records["users/researchgroups/"]["B"]
    member = world.client("member")
    created = member.create("research/publications/", publication_body(group_a))
    record = f"research/publications/{created['id']}/"
    assert member.patch(record, {"title": "edited"}).json()["title"] == "edited"
    assert member.patch(record, {"group": group_b}).status == 403  # cannot move it out
    assert member.post("research/publications/", publication_body(group_b)).status == 403
    assert world.client("outsider").patch(record, {"title": "x"}).status == 404
    assert member.delete(record).status == 204


def test_users_are_read_by_all_and_a_user_may_update_only_themself(world: World) -> None:
    member = world.client("member")
    assert sorted(member.ids("users/users/")) == sorted(world.users.values())
    own = f"users/users/{world.users['member']}/"
    updated = member.patch(own, {"first_name": "Mem", "is_staff": True, "is_superuser": True})
    assert updated.status == 200
    assert (updated.json()["first_name"], updated.json()["is_staff"]) == ("Mem", False)
    assert updated.json()["is_superuser"] is False
    assert member.patch(f"users/users/{world.users['pi']}/", {"first_name": "X"}).status == 403
    assert member.delete(own).status == 403
    new_user = {"username": "by-member", "password": "Long-enough-pw-1"}
    assert member.post("users/users/", new_user).status == 403


def test_staff_create_and_delete_users(world: World) -> None:
    staffer = world.client("staffer")
    created = staffer.create("users/users/", {"username": "temp", "password": "Long-enough-pw-1"})
    assert "password" not in created
    Client(world.emulator.url, "temp", "Long-enough-pw-1")  # the new account can log in
    assert staffer.delete(f"users/users/{created['id']}/").status == 204


def test_research_groups_are_created_by_anyone_and_changed_by_staff_or_pi_admins(
    world: World,
) -> None:
    group_a = f"users/researchgroups/{world.records['users/researchgroups/']['A']}/"
    assert world.client("member").patch(group_a, {"name": "renamed"}).status == 403
    assert world.client("outsider").patch(group_a, {"name": "renamed"}).status == 403
    assert world.client("manager").patch(group_a, {"name": "A"}).status == 200
    outsider = world.client("outsider")
    created = outsider.create("users/researchgroups/", {"name": "C", "pi": world.users["outsider"]})
    assert world.client("member").get(f"users/researchgroups/{created['id']}/").status == 200
    assert outsider.delete(f"users/researchgroups/{created['id']}/").status == 204


@pytest.mark.parametrize("path", ["logs/apps/", "logs/requests/", "logs/tasks/"])
def test_logs_are_staff_only(world: World, path: str) -> None:
    for name in ("pi", "member", "outsider"):
        denied = world.client(name).get(path)
        assert (denied.status, denied.json()) == (403, PERMISSION_DENIED)
    assert world.client("staffer").get(path).status == 200


@pytest.mark.parametrize("path", sorted(set(COLLECTIONS.values())))
def test_unauthenticated_requests_get_401_with_a_bearer_challenge(world: World, path: str) -> None:
    anonymous = Client(world.emulator.url)
    for method in ("GET", "POST"):
        response = anonymous.request(method, path)
        assert response.status == 401
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'
        assert response.json() == {"detail": "Authentication credentials were not provided."}
