"""Every resource of Keystone v0.10.9, with the operations the server allows, over real sockets.

Each writable resource creates its own record (from the shared graph), reads it back by pk,
by filter, by search where the server can search it, changes one field, deletes it, and
checks the not-found behaviour. Notifications can only be read and marked read; the logs and
the activity feed only read.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from local_server import Canned, LocalServer
from resource_helpers import PASSWORD, unique

from keystone import Generation, KeystoneClient, NotFoundError, ServerError, UnsupportedError
from keystone.resources._endpoints import declarations
from keystone.resources.catalog import BY_NAME, RESOURCES
from keystone.testing import KeystoneEmulator


@dataclass(frozen=True)
class Case:
    fields: Callable[[dict[str, Any]], dict[str, Any]]
    change: dict[str, Any]
    #: A text the record's search finds it by, or None where v0.10.9 cannot search.
    search: Callable[[dict[str, Any]], str] | None = None


CASES: dict[str, Case] = {
    "allocation": Case(
        lambda g: {"requested": 500, "cluster": g["cluster"]["id"], "request": g["request"]["id"]},
        {"awarded": 450},
    ),
    "cluster": Case(
        lambda g: {"name": unique("c"), "description": "first", "enabled": False},
        {"description": "Updated"},
        lambda record: record["name"],
    ),
    "request": Case(
        lambda g: {
            "title": unique("req"),
            "description": "d",
            "team": g["team"]["id"],
            "submitter": g["user"]["id"],
            "active": datetime.date(2024, 1, 1),
            "expire": "2025-01-01",
        },
        {"status": "AP"},
        lambda record: record["title"],
    ),
    "review": Case(lambda g: {"request": g["request"]["id"], "status": "CR"}, {"status": "AP"}),
    "attachment": Case(
        lambda g: {"request": g["request"]["id"], "file": (unique("plan") + ".txt", b"plan")},
        {"name": "renamed.txt"},
    ),
    "comment": Case(
        lambda g: {"request": g["request"]["id"], "content": unique("comment")},
        {"private": True},
        lambda record: record["content"],
    ),
    "team": Case(  # a team's name is fixed once created (the server's update ignores it)
        lambda g: {"name": unique("team")}, {"is_active": False}, lambda r: r["name"]
    ),
    "membership": Case(
        lambda g: {"team": g["team"]["id"], "user": g["extra_user"]["id"], "role": "MB"},
        {"role": "AD"},
    ),
    "user": Case(
        lambda g: {"username": unique("u"), "password": PASSWORD, "first_name": "First"},
        {"first_name": "Changed"},
        lambda record: record["username"],
    ),
    "grant": Case(
        lambda g: {
            "title": unique("grant"),
            "agency": "NSF",
            "amount": "1000.00",
            "start_date": "2024-01-01",
            "end_date": datetime.date(2025, 1, 1),
            "team": g["team"]["id"],
        },
        {"agency": "DOE"},
        lambda record: record["title"],
    ),
    "publication": Case(
        lambda g: {"title": unique("pub"), "abstract": "a", "team": g["team"]["id"]},
        {"journal": "Journal of Tests"},
        lambda record: record["title"],
    ),
    "preference": Case(
        lambda g: {"user": g["extra_user"]["id"], "notify_on_expiration": False},
        {"notify_on_expiration": True},
    ),
}
WRITABLE = sorted(CASES)
READ_ONLY = ["audit_log", "request_log", "task_result"]


@pytest.fixture(scope="module")
def extra(admin: KeystoneClient, graph: dict[str, Any]) -> dict[str, Any]:
    """The graph with a second user, for memberships and preferences of their own."""
    return {**graph, "extra_user": admin.create_user(username=unique("x"), password=PASSWORD)}


def _sent(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def test_cases_cover_every_resource_of_the_current_generation() -> None:
    current = {r.name for r in RESOURCES if r.path_in(declarations("0.10.9"))}
    assert set(WRITABLE + READ_ONLY) | {"notification", "feed_entry"} == current


@pytest.mark.parametrize("name", WRITABLE)
def test_create_retrieve_update_delete(
    admin: KeystoneClient, extra: dict[str, Any], name: str
) -> None:
    case = CASES[name]
    fields = case.fields(extra)
    create = getattr(admin, f"create_{name}")
    retrieve = getattr(admin, f"retrieve_{name}")
    update = getattr(admin, f"update_{name}")
    delete = getattr(admin, f"delete_{name}")

    created = create(**fields)
    pk = created["id"]
    for key, value in fields.items():
        if key not in ("password", "file"):  # write-only, or stored under another name
            assert created[key] == _sent(value), key

    assert retrieve(pk=pk) == created
    assert retrieve(filters={"id": pk}) == [created]
    assert [r["id"] for r in retrieve(filters={"id__not_in": [pk]})].count(pk) == 0
    assert list(getattr(admin, f"iter_{name}")(filters={"id__in": [pk]}, page_size=1)) == [created]
    if case.search is not None:
        assert pk in [r["id"] for r in retrieve(search=case.search(created))]
    assert next(r["id"] for r in retrieve(order="-id", filters={"id__lte": pk})) == pk

    updated = update(pk, case.change)
    for key, value in case.change.items():
        assert updated[key] == value
    assert retrieve(pk=pk)[next(iter(case.change))] == next(iter(case.change.values()))

    assert delete(pk) is None
    assert retrieve(pk=pk) is None
    assert retrieve(filters={"id": pk}) == []
    assert delete(pk) is None  # already gone: silent
    with pytest.raises(NotFoundError):
        delete(pk, raise_not_exists=True)
    with pytest.raises(NotFoundError):
        update(pk, case.change)


@pytest.mark.parametrize("name", ["review", "attachment", "notification", "audit_log"])
def test_a_search_the_release_cannot_do_is_refused_before_sending(
    admin: KeystoneClient, emulator: KeystoneEmulator, name: str
) -> None:
    admin.server  # noqa: B018 (found out before counting)
    emulator.stats.reset()
    with pytest.raises(UnsupportedError, match=r"answers 500\. Use filters instead") as caught:
        getattr(admin, f"retrieve_{name}")(search="anything")
    assert caught.value.request_sent is False and emulator.stats.total == 0
    with pytest.raises(ServerError) as failed:  # as the server would have answered it
        admin.http_get(BY_NAME[name].paths[0], params={"_search": "x"})
    assert failed.value.status_code == 500


def test_a_search_that_fails_on_an_unknown_release_says_so(local_server: LocalServer) -> None:
    local_server.route("GET", "/allocations/clusters/", Canned(500, "<html>Server Error</html>"))
    client = KeystoneClient(local_server.url, server="0.10.9")
    with pytest.raises(ServerError) as caught:
        client.retrieve_cluster(search="anything")
    message = str(caught.value)
    assert "returned 500: this server cannot search" in message
    assert "Leave search= out and use filters instead" in message
    assert "<html" not in message.lower() and "Traceback" not in message


def test_notifications_are_read_and_marked_read(
    admin: KeystoneClient, emulator: KeystoneEmulator
) -> None:
    sent = emulator.notify(emulator.admin_username, unique("subject"), "body text")
    mine = admin.retrieve_notification(filters={"read": False})
    assert sent["id"] in [n["id"] for n in mine]
    assert admin.retrieve_notification(pk=sent["id"])["read"] is False
    marked = admin.update_notification(pk=sent["id"], data={"read": True})
    assert marked["read"] is True
    assert sent["id"] not in [n["id"] for n in admin.retrieve_notification(filters={"read": False})]
    assert not hasattr(admin, "create_notification") and not hasattr(admin, "delete_notification")
    assert admin.stats("notifications")["total"] >= 1


@pytest.mark.parametrize("name", READ_ONLY)
def test_the_logs_can_only_be_read(admin: KeystoneClient, name: str) -> None:
    for operation in ("create", "update", "delete"):
        assert not hasattr(admin, f"{operation}_{name}")
    records = getattr(admin, f"retrieve_{name}")(order="id")
    assert isinstance(records, list)
    if records:
        first = records[0]
        assert getattr(admin, f"retrieve_{name}")(pk=first["id"]) == first
    assert getattr(admin, f"retrieve_{name}")(pk=999_999) is None


def test_the_audit_log_records_a_change(admin: KeystoneClient) -> None:
    cluster = admin.create_cluster(name=unique("audited"))
    entries = admin.retrieve_audit_log(filters={"object_id": cluster["id"], "action": 0})
    assert entries and all(e["record_id"] == cluster["id"] for e in entries)


def test_the_activity_feed_is_a_list_with_no_records_of_its_own(admin: KeystoneClient) -> None:
    admin.create_cluster(name=unique("fed"))
    entries = admin.retrieve_feed_entry(order="-timestamp")
    assert entries and all("record_type" in e for e in entries)
    walked = list(admin.iter_feed_entry(page_size=50))
    assert len(walked) >= len(entries)
    with pytest.raises(TypeError):
        admin.retrieve_feed_entry(pk=1)  # type: ignore[call-arg]


def test_what_only_keystone_0_3_has_is_refused_before_sending(
    admin: KeystoneClient, emulator: KeystoneEmulator
) -> None:
    admin.server  # noqa: B018 (found out before counting)
    emulator.stats.reset()
    for call, fragment in (
        (lambda: admin.retrieve_research_group(), r"no research groups \(.*\); use retrieve_team"),
        (lambda: admin.create_research_group(name="x"), "use create_team instead"),
        (lambda: admin.iter_app_log(), r"no application log records \(.*\); use iter_audit_log"),
    ):
        with pytest.raises(UnsupportedError, match=fragment) as caught:
            call()
        assert "Keystone 0.10.9 has no" in str(caught.value)
        assert caught.value.generation is Generation.V0_4 and caught.value.request_sent is False
        assert caught.value.server.release == "0.10.9"
    assert emulator.stats.total == 0


def test_an_unknown_filter_name_is_refused_with_the_nearest_one(
    admin: KeystoneClient, emulator: KeystoneEmulator, graph: dict[str, Any]
) -> None:
    admin.server  # noqa: B018 (found out before counting)
    emulator.stats.reset()
    for call in (admin.retrieve_team, admin.iter_team):
        with pytest.raises(ValueError, match="'nmae' is not a filter of teams") as caught:
            call(filters={"nmae": "x"})
        assert "on Keystone 0.10.9 (users/teams/); did you mean 'name'?" in str(caught.value)
    with pytest.raises(ValueError, match="did you mean 'name__not_eq'"):
        admin.retrieve_team(filters={"name__not_equal": "x"})
    assert emulator.stats.total == 0
    team = graph["team"]
    others = admin.retrieve_team(filters={"id": team["id"], "name__not_eq": team["name"]})
    assert others == []  # the negated lookups are filters like any other
    client = KeystoneClient(emulator.url, check_filters=False, server="0.4+")
    client.login(emulator.admin_username, emulator.admin_password)
    assert team["id"] in [t["id"] for t in client.retrieve_team(filters={"nmae": "x"})]


def test_the_read_helpers(admin: KeystoneClient, graph: dict[str, Any]) -> None:
    me = admin.whoami()
    assert me["username"] == "admin" and me["is_staff"] is True
    config = admin.config()
    assert config["version"] == "0.10.9" and config["max_upload_size"] > 0
    assert admin.choices("request", "status")["AP"] == "Approved"
    assert admin.choices("membership", "role") == {"OW": "Owner", "AD": "Admin", "MB": "Member"}
    stats = admin.stats("requests", filters={"team": graph["team"]["id"]})
    assert stats["request_count"] >= 1
    with pytest.raises(UnsupportedError, match="searches no field"):
        admin.stats("grants", search="nothing-matches-this")  # the server would ignore it
    with pytest.raises(
        ValueError, match=r"'request_logs' is not one of the statistics of Keystone 0\.10\.9"
    ):
        admin.stats("request_logs")
    with pytest.raises(ValueError, match="did you mean 'team'"):
        admin.stats("requests", filters={"teem": 1})
    with pytest.raises(ValueError, match="no choices for 'cluster' 'name'"):
        admin.choices("cluster", "name")


def test_a_member_sees_their_own_teams_only(
    admin: KeystoneClient, member: KeystoneClient, graph: dict[str, Any]
) -> None:
    assert member.whoami()["username"] == "member"
    assert graph["team"]["id"] not in [t["id"] for t in member.retrieve_team()]
    assert member.stats("requests")["request_count"] == 0


def test_pages_are_read_in_parallel_in_order(
    admin: KeystoneClient, emulator: KeystoneEmulator
) -> None:
    prefix = unique("many")
    made = [admin.create_cluster(name=f"{prefix}-{n:03}")["id"] for n in range(120)]
    emulator.stats.reset()
    found = admin.retrieve_cluster(filters={"name__startswith": prefix, "_limit": 10}, workers=4)
    assert [c["id"] for c in found] == made
    assert (
        emulator.stats.count(method="GET", path="/allocations/clusters/") == 1 + 13
    )  # 10, 9 more each


def test_a_feed_that_grows_in_front_while_read_has_no_repeats(admin: KeystoneClient) -> None:
    for _ in range(30):
        admin.create_cluster(name=unique("feed"))  # audit entries, newest first in the feed
    entries = list(admin.iter_feed_entry(page_size=20, workers=3))  # each read adds an entry
    ids = [e["id"] for e in entries]
    assert len(ids) == len(set(ids)) and len(ids) >= 60
