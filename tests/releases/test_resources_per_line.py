"""Every resource method on every release line: create, retrieve, iterate, update and delete
each resource the release has, with the fields that release takes."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import pytest

from keystone import KeystoneClient, ServerError
from keystone.testing import KeystoneEmulator


def _at_least(api: str, first: str) -> bool:
    return tuple(map(int, api.split("."))) >= tuple(map(int, first.split(".")))


def _name(what: str) -> str:
    return f"{what}-{uuid.uuid4().hex[:8]}"


def _grant(api: str, owner: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "title": "Grant",
        "agency": "NSF",
        "amount": "1000.00",
        "start_date": datetime.date(2024, 1, 1),
        **owner,
    }
    if not _at_least(api, "0.10.6"):
        fields["grant_number"] = _name("g")
    if not _at_least(api, "0.8.2"):
        fields["end_date"] = datetime.date(2025, 1, 1)
    if not _at_least(api, "0.7.2"):
        fields["fiscal_year"] = 2024
    return fields


def _publication(api: str, owner: dict[str, Any]) -> dict[str, Any]:
    fields: dict[str, Any] = {"title": "Paper", **owner}
    if not _at_least(api, "0.8.2"):
        fields["abstract"] = "An abstract"
    if not _at_least(api, "0.5.0"):
        fields |= {"date": datetime.date(2024, 5, 1), "journal": "A Journal"}
    return fields


def _exercise(
    client: KeystoneClient, name: str, fields: dict[str, Any], change: dict[str, Any]
) -> dict[str, Any]:
    """Create, read (one, filtered, iterated), update and delete one record of ``name``."""
    created = getattr(client, f"create_{name}")(fields)
    pk = created["id"]
    assert getattr(client, f"retrieve_{name}")(pk=pk)["id"] == pk
    assert pk in [r["id"] for r in getattr(client, f"retrieve_{name}")(filters={"id": pk})]
    assert pk in [r["id"] for r in getattr(client, f"iter_{name}")(filters={"id__in": [pk]})]
    updated = getattr(client, f"update_{name}")(pk=pk, data=change)
    for key, value in change.items():
        assert updated[key] == value, key
    return created


def test_every_resource_of_the_release(line: KeystoneEmulator, client: KeystoneClient) -> None:
    api = line.api
    me = client.whoami()["id"]
    user = {"username": _name("user"), "password": "Sup3r-secret-pw"}
    member = _exercise(client, "user", user, {"first_name": "Ada"})
    cluster = _exercise(client, "cluster", {"name": _name("c")}, {"description": "changed"})
    if _at_least(api, "0.5.0"):
        team = _exercise(client, "team", {"name": _name("team")}, {"is_active": True})
        owner = {"team": team["id"]}
        role = {"user": member["id"], "team": team["id"], "role": "MB"}
        _exercise(client, "membership", role, {"role": "AD"})
    else:
        group = {"name": _name("group"), "pi": me}
        owner = {
            "group": _exercise(client, "research_group", group, {"members": [member["id"]]})["id"]
        }
    request_fields = {"title": "Request", "description": "d", **owner}
    if _at_least(api, "0.10.0"):
        request_fields["submitter"] = me
    request = _exercise(client, "request", request_fields, {"status": "AP"})
    made = [("request", request)]
    units = {"requested": 10, "cluster": cluster["id"], "request": request["id"]}
    made.append(("allocation", _exercise(client, "allocation", units, {"awarded": 5})))
    verdict = {"request": request["id"], "status": "CR"}
    made.append(("review", _exercise(client, "review", verdict, {"status": "AP"})))
    made.append(("grant", _exercise(client, "grant", _grant(api, owner), {"title": "Grant 2"})))
    paper = _publication(api, owner)
    made.append(("publication", _exercise(client, "publication", paper, {"title": "Paper 2"})))
    if _at_least(api, "0.6.0"):
        note = {"request": request["id"], "content": "c"}
        made.append(("comment", _exercise(client, "comment", note, {"content": "c2"})))
    if _at_least(api, "0.6.8") and not any(
        p["user"] == member["id"] for p in client.retrieve_preference()
    ):
        mine = {"user": member["id"]}
        _exercise(client, "preference", mine, {"notify_on_expiration": False})
    for name, first, last in (
        ("app_log", "0.0.0", "0.6.21"),
        ("audit_log", "0.6.3", None),
        ("request_log", "0.0.0", None),
        ("task_result", "0.0.0", None),
        ("feed_entry", "0.10.7", None),
    ):
        if _at_least(api, first) and (last is None or not _at_least(api, last + ".1")):
            assert isinstance(getattr(client, f"retrieve_{name}")(), list), name
    made.insert(0, ("cluster", cluster))  # deleted last: its allocation goes with the request
    for name, record in reversed(made):
        getattr(client, f"delete_{name}")(pk=record["id"])
        assert getattr(client, f"retrieve_{name}")(pk=record["id"]) is None, name


def test_a_deleted_cluster_takes_its_allocations_before_0_10_4(
    line: KeystoneEmulator, client: KeystoneClient
) -> None:
    if line.api == "0.3.26":
        return  # the 0.3.26 emulator is its own application, tested on its own
    me = client.whoami()["id"]
    if _at_least(line.api, "0.5.0"):
        owner = {"team": client.create_team(name=_name("team"))["id"]}
    else:
        owner = {"group": client.create_research_group(name=_name("g"), pi=me)["id"]}
    fields = {"title": "t", "description": "d", **owner}
    if _at_least(line.api, "0.10.0"):
        fields["submitter"] = me
    request = client.create_request(fields)
    cluster = client.create_cluster(name=_name("c"))
    units = {"requested": 1, "cluster": cluster["id"], "request": request["id"]}
    allocation = client.create_allocation(units)
    if _at_least(line.api, "0.10.4"):  # PROTECT: the real server answers an HTML 500
        with pytest.raises(ServerError):
            client.delete_cluster(pk=cluster["id"])
        return
    client.delete_cluster(pk=cluster["id"])
    assert client.retrieve_allocation(pk=allocation["id"]) is None
