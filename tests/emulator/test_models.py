"""Every resource against the real server's OpenAPI schemas: fields, types, required, limits, CRUD.

The expectations are read from the spec (``specs/keystone-0.3.26-openapi.json``): the keys and
their order, value types and nullability, which fields a create requires, enums and maximum
lengths. Only the valid example bodies are written here.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from emulator_api import COLLECTIONS, Client, load_spec

from keystone.testing import KeystoneEmulator

SCHEMAS: dict[str, Any] = load_spec()["components"]["schemas"]


@dataclass
class Refs:
    admin: Client
    user: int
    group: int
    cluster: int
    request: int


Body = Callable[[Refs, int], dict[str, Any]]

BODIES: dict[str, Body] = {
    "Cluster": lambda r, n: {"name": f"c{n}", "description": "d", "enabled": True},
    "AllocationRequest": lambda r, n: {
        "title": f"t{n}",
        "description": "d",
        "group": r.group,
        "active": "2024-01-01",
        "assignees": [r.user],
    },
    "Allocation": lambda r, n: {"requested": n, "cluster": r.cluster, "request": r.request},
    "AllocationRequestReview": lambda r, n: {"request": r.request, "status": "CR"},
    "RestrictedUser": lambda r, n: {"username": f"u{n}", "password": "Model-test-pw-1"},
    "ResearchGroup": lambda r, n: {"name": f"g{n}", "pi": r.user, "members": [r.user]},
    "Grant": lambda r, n: {
        "title": "g",
        "agency": "NSF",
        "amount": "12.50",
        "grant_number": f"G-{n}",
        "fiscal_year": 2024,
        "start_date": "2024-01-01",
        "end_date": "2025-01-01",
        "group": r.group,
    },
    "Publication": lambda r, n: {
        "title": "p",
        "abstract": "a",
        "date": "2024-05-05",
        "journal": "J",
        "doi": "10.1/x",
        "group": r.group,
    },
}


@pytest.fixture(scope="module")
def refs() -> Iterator[Refs]:
    with KeystoneEmulator(api="0.3.26", user_throttle=None, anon_throttle=None) as emulator:
        admin = Client.admin(emulator)
        group = admin.create("users/researchgroups/", {"name": "base", "pi": 1})["id"]
        cluster = admin.create("allocations/clusters/", {"name": "base"})["id"]
        request = admin.create(
            "allocations/requests/", {"title": "base", "description": "d", "group": group}
        )["id"]
        yield Refs(admin, 1, group, cluster, request)


def schema_of(name: str) -> dict[str, Any]:
    return dict(SCHEMAS[name])


def resolve(prop: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in prop:
        return {**SCHEMAS[prop["$ref"].rsplit("/", 1)[1]], **{k: v for k, v in prop.items()}}
    if "allOf" in prop:
        return {**resolve(prop["allOf"][0]), **prop}
    return prop


def type_problems(name: str, record: dict[str, Any]) -> list[str]:
    """Where a record differs from its schema: keys, order, types, nullability, formats."""
    properties = schema_of(name)["properties"]
    expected = [key for key, prop in properties.items() if not prop.get("writeOnly")]
    problems = [] if list(record) == expected else [f"keys {list(record)} != {expected}"]
    python_types = {"integer": int, "string": str, "boolean": bool, "array": list}
    for key, value in record.items():
        prop = resolve(properties.get(key, {}))
        if value is None:
            if not prop.get("nullable"):
                problems.append(f"{key} is null")
            continue
        wanted = python_types.get(prop.get("type", "string"), object)
        if not isinstance(value, wanted) or (wanted is int and isinstance(value, bool)):
            problems.append(f"{key}={value!r} is not {prop.get('type')}")
        elif prop.get("format") == "date":
            dt.date.fromisoformat(value)
        elif prop.get("format") == "date-time":
            dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        if "enum" in prop and value not in prop["enum"]:
            problems.append(f"{key}={value!r} not in {prop['enum']}")
    return problems


def model_name(name: str) -> str:
    """The model behind a schema, from its description ("Object serializer for the `X` ...")."""
    match = re.search(r"`(\w+)`", schema_of(name)["description"])
    assert match is not None
    return match.group(1)


WRITABLE = sorted(BODIES)


@pytest.mark.parametrize("name", WRITABLE)
def test_create_retrieve_update_delete_match_the_schema(refs: Refs, name: str) -> None:
    path, admin = COLLECTIONS[name], refs.admin
    created = admin.create(path, BODIES[name](refs, 1))
    assert type_problems(name, created) == []
    record = f"{path}{created['id']}/"
    assert admin.get(record).json() == created
    assert created in admin.get(path).json()
    put = admin.put(record, BODIES[name](refs, 2))
    assert put.status == 200, put.data
    assert type_problems(name, put.json()) == []
    assert admin.patch(record, {}).status == 200
    deleted = admin.delete(record)
    assert (deleted.status, deleted.data) == (204, b"")
    gone = admin.get(record)
    assert (gone.status, gone.json()) == (
        404,
        {"detail": f"No {model_name(name)} matches the given query."},
    )


@pytest.mark.parametrize("name", WRITABLE)
def test_an_empty_create_names_exactly_the_required_fields(refs: Refs, name: str) -> None:
    schema = schema_of(name)
    read_only = {k for k, p in schema["properties"].items() if p.get("readOnly")}
    required = set(schema["required"]) - read_only
    response = refs.admin.post(COLLECTIONS[name], {})
    assert response.status == 400
    assert response.json() == {field: ["This field is required."] for field in required}


@pytest.mark.parametrize("name", WRITABLE)
def test_enums_lengths_and_minimums_are_enforced(refs: Refs, name: str) -> None:
    checked = 0
    for key, raw in schema_of(name)["properties"].items():
        prop = resolve(raw)
        if prop.get("readOnly"):
            continue
        if "enum" in prop:
            bad, message = "ZZ", '"ZZ" is not a valid choice.'
        elif prop.get("type") == "string" and "maxLength" in prop and "format" not in prop:
            limit = prop["maxLength"]
            bad, message = (
                "x" * (limit + 1),
                f"Ensure this field has no more than {limit} characters.",
            )
        elif prop.get("type") == "integer" and prop.get("minimum", -(2**63)) > -(2**63):
            bad = prop["minimum"] - 1
            message = f"Ensure this value is greater than or equal to {prop['minimum']}."
        else:
            continue
        body = {**BODIES[name](refs, 100 + checked), key: bad}
        response = refs.admin.post(COLLECTIONS[name], body)
        assert (response.status, response.json().get(key)) == (400, [message]), key
        checked += 1
    assert checked > 0


def test_read_only_fields_are_ignored_on_write(refs: Refs) -> None:
    body = {**BODIES["AllocationRequest"](refs, 7), "id": 999, "submitted": "1999-01-01"}
    created = refs.admin.create("allocations/requests/", body)
    assert created["id"] != 999
    assert created["submitted"] == dt.date.today().isoformat()  # the server's local date
    assert created["status"] == "PD"


@pytest.mark.parametrize("name", ["AppLog", "RequestLog", "TaskResult"])
def test_log_records_match_the_schema(refs: Refs, name: str) -> None:
    refs.admin.get("allocations/clusters/999999/")  # makes sure both logs have records
    records = refs.admin.get(COLLECTIONS[name]).json()
    assert isinstance(records, list)
    if name != "TaskResult":  # the emulator runs no background tasks
        assert records
    for record in records:
        assert type_problems(name, record) == []
    assert refs.admin.post(COLLECTIONS[name], {}).status == 405


def test_a_review_is_credited_to_its_author_unless_a_reviewer_is_given(refs: Refs) -> None:
    body = BODIES["AllocationRequestReview"](refs, 1)
    assert refs.admin.create("allocations/reviews/", body)["reviewer"] == refs.user
    explicit = refs.admin.create("allocations/reviews/", {**body, "reviewer": None})
    assert explicit["reviewer"] is None
