"""The four operations of every writable resource of Keystone 0.3.26, and reading its logs.

Each case creates its own record (from the shared graph of related records), reads it back by
pk and by filter, changes one field, deletes it, and checks the not-found behaviour.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from resource_helpers import PASSWORD, unique

from keystone import KeystoneClient, NotFoundError, UnexpectedResponseError, ValidationError
from keystone.resources._endpoints import declarations
from keystone.resources.catalog import RESOURCES
from keystone.testing import KeystoneEmulator


@dataclass(frozen=True)
class Case:
    fields: Callable[[dict[str, Any]], dict[str, Any]]
    change: dict[str, Any]


CASES: dict[str, Case] = {
    "allocation": Case(
        lambda g: {"requested": 500, "cluster": g["cluster"]["id"], "request": g["request"]["id"]},
        {"awarded": 450},
    ),
    "cluster": Case(
        lambda g: {"name": unique("c"), "description": "first", "enabled": False},
        {"description": "Updated"},
    ),
    "request": Case(
        lambda g: {
            "title": unique("req"),
            "description": "d",
            "group": g["research_group"]["id"],
            "active": datetime.date(2024, 1, 1),
            "expire": "2025-01-01",
        },
        {"status": "AP"},
    ),
    "review": Case(
        lambda g: {"request": g["request"]["id"], "status": "CR", "public_comments": "hm"},
        {"public_comments": "ok now"},
    ),
    "research_group": Case(
        lambda g: {"name": unique("grp"), "pi": g["user"]["id"]},
        {"name": "renamed group"},
    ),
    "user": Case(
        lambda g: {"username": unique("u"), "password": PASSWORD, "first_name": "First"},
        {"first_name": "Changed"},
    ),
    "grant": Case(
        lambda g: {
            "title": unique("grant"),
            "agency": "NSF",
            "amount": "1000.00",
            "grant_number": "G-1",
            "fiscal_year": 2024,
            "start_date": "2024-01-01",
            "end_date": datetime.date(2025, 1, 1),
            "group": g["research_group"]["id"],
        },
        {"agency": "DOE"},
    ),
    "publication": Case(
        lambda g: {
            "title": unique("pub"),
            "abstract": "a",
            "date": "2024-05-05",
            "journal": "J",
            "group": g["research_group"]["id"],
        },
        {"journal": "Journal of Tests"},
    ),
}
WRITABLE = sorted(CASES)
READ_ONLY = ["app_log", "request_log", "task_result"]


def _sent(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime.date) else value


def test_cases_cover_every_resource_of_the_0_3_generation() -> None:
    assert sorted(WRITABLE + READ_ONLY) == sorted(
        r.name for r in RESOURCES if r.path_in(declarations("0.3.26"))
    )


@pytest.mark.parametrize("name", WRITABLE)
def test_create_retrieve_update_delete(
    admin: KeystoneClient, graph: dict[str, Any], name: str
) -> None:
    case = CASES[name]
    fields = case.fields(graph)
    create = getattr(admin, f"create_{name}")
    retrieve = getattr(admin, f"retrieve_{name}")
    update = getattr(admin, f"update_{name}")
    delete = getattr(admin, f"delete_{name}")

    created = create(**fields)
    assert isinstance(created, dict)
    pk = created["id"]
    for key, value in fields.items():
        if key != "password":  # write-only: never echoed
            assert created[key] == _sent(value), key

    assert retrieve(pk=pk) == created
    assert retrieve(str(pk)) == created
    assert retrieve(filters={"id": pk}) == [created]
    assert created in retrieve()
    assert list(getattr(admin, f"iter_{name}")(filters={"id__in": [pk]})) == [created]

    updated = update(pk, case.change)
    for key, value in case.change.items():
        assert updated[key] == value
    assert retrieve(pk=pk) == updated

    assert delete(pk) is None
    assert retrieve(pk=pk) is None
    assert retrieve(filters={"id": pk}) == []
    assert delete(pk) is None  # already gone: silent
    with pytest.raises(NotFoundError):
        delete(pk, raise_not_exists=True)
    with pytest.raises(NotFoundError):
        update(pk, case.change)


@pytest.mark.parametrize("name", READ_ONLY)
def test_read_only_resources_can_only_be_read(admin: KeystoneClient, name: str) -> None:
    for operation in ("create", "update", "delete"):
        assert not hasattr(admin, f"{operation}_{name}")
    records = getattr(admin, f"retrieve_{name}")()
    assert isinstance(records, list)
    assert list(getattr(admin, f"iter_{name}")()) == records or name == "request_log"
    if records:
        first = records[0]
        assert getattr(admin, f"retrieve_{name}")(pk=first["id"]) == first
    assert getattr(admin, f"retrieve_{name}")(pk=999_999) is None


def test_request_log_records_the_clients_traffic(admin: KeystoneClient) -> None:
    admin.retrieve_cluster(filters={"name": "traced"})
    logged = admin.retrieve_request_log(filters={"endpoint__contains": "clusters"})
    assert logged and all("clusters" in entry["endpoint"] for entry in logged)


def test_create_accepts_a_mapping_for_fields_that_clash_with_keywords(
    admin: KeystoneClient,
) -> None:
    created = admin.create_cluster({"name": unique("mapped")}, description="both ways")
    assert created["description"] == "both ways"
    with pytest.raises(TypeError, match="name"):
        admin.create_cluster({"name": "a"}, name="b")
    with pytest.raises(TypeError, match="mapping"):
        admin.create_cluster(["name", "x"])  # type: ignore[arg-type]


def test_update_requires_a_mapping(admin: KeystoneClient, graph: dict[str, Any]) -> None:
    with pytest.raises(TypeError, match="mapping"):
        admin.update_cluster(graph["cluster"]["id"], [("description", "x")])  # type: ignore[arg-type]


def test_validation_errors_expose_field_errors(admin: KeystoneClient) -> None:
    with pytest.raises(ValidationError) as caught:
        admin.create_cluster(description="no name")
    assert caught.value.errors == {"name": ["This field is required."]}
    assert "name: This field is required." in str(caught.value)

    with pytest.raises(ValidationError) as caught:
        admin.create_research_group(name="no pi")
    assert caught.value.errors == {"pi": ["This field is required."]}


def test_a_404_that_is_not_the_apis_raises(emulator: KeystoneEmulator) -> None:
    """An HTML 404 means a wrong URL, not a missing record: it is raised, not read as None."""
    with KeystoneClient(emulator.url + "not-the-api/", server="0.3.26") as client:
        with pytest.raises(NotFoundError):
            client.retrieve_cluster(pk=1)
        with pytest.raises(NotFoundError):
            client.delete_cluster(pk=1)
    client = KeystoneClient(emulator.url + "not-the-api/")  # found out: not an API root
    with client, pytest.raises(UnexpectedResponseError, match="does not look like a Keystone API"):
        client.retrieve_cluster(pk=1)
