"""Query-parameter filters: every lookup family, list values, bad values and unknown names.

The records are created by the admin on one emulator for the module; expected results are
computed from those records, so each test states the rule rather than a remembered answer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from emulator_api import Client, load_spec

from keystone.testing import KeystoneEmulator

CLUSTERS = (
    {"name": "alpha-one", "description": "first", "enabled": True},
    {"name": "alpha-two", "description": None, "enabled": False},
    {"name": "beta", "description": "third", "enabled": True},
)
REQUEST_DATES = ("2023-02-14", "2024-07-04", "2024-12-31")


@dataclass
class Data:
    admin: Client
    clusters: list[dict[str, Any]]
    requests: list[dict[str, Any]]
    allocations: list[dict[str, Any]]
    reviews: list[dict[str, Any]]
    grants: list[dict[str, Any]]


@pytest.fixture(scope="module")
def data() -> Iterator[Data]:
    with KeystoneEmulator(api="0.3.26", user_throttle=None, anon_throttle=None) as emulator:
        admin = Client.admin(emulator)
        clusters = [admin.create("allocations/clusters/", body) for body in CLUSTERS]
        group = admin.create("users/researchgroups/", {"name": "g", "pi": 1})["id"]
        requests = [
            admin.create(
                "allocations/requests/",
                {"title": f"t{i}", "description": "d", "group": group, "active": day},
            )
            for i, day in enumerate(REQUEST_DATES)
        ]
        allocations = [
            admin.create(
                "allocations/allocations/",
                {"requested": 100 * (i + 1), "cluster": clusters[i]["id"], "request": r["id"]},
            )
            for i, r in enumerate(requests)
        ]
        reviews = [
            admin.create("allocations/reviews/", {"request": r["id"], "status": "AP"})
            for r in requests
        ]
        grants = [
            admin.create(
                "research/grants/",
                {
                    "title": "g",
                    "agency": "NSF",
                    "amount": amount,
                    "grant_number": "G",
                    "fiscal_year": 2024,
                    "start_date": "2024-01-01",
                    "end_date": "2025-01-01",
                    "group": group,
                },
            )
            for amount in ("5.50", "1000.00")
        ]
        yield Data(admin, clusters, requests, allocations, reviews, grants)


def ids_where(records: list[dict[str, Any]], keep: Any) -> list[int]:
    return [record["id"] for record in records if keep(record)]


def test_text_lookups(data: Data) -> None:
    path, clusters = "allocations/clusters/", data.clusters
    assert data.admin.ids(path, name="beta") == ids_where(clusters, lambda c: c["name"] == "beta")
    for lookup, test in (
        ("contains", lambda c: "pha-t" in c["name"]),
        ("startswith", lambda c: c["name"].startswith("alpha")),
        ("endswith", lambda c: c["name"].endswith("one")),
    ):
        value = {"contains": "pha-t", "startswith": "alpha", "endswith": "one"}[lookup]
        assert data.admin.ids(path, **{f"name__{lookup}": value}) == ids_where(clusters, test)


def test_in_takes_one_comma_joined_value(data: Data) -> None:
    first, _, third = (c["id"] for c in data.clusters)
    path = "allocations/clusters/"
    assert data.admin.ids(path, id__in=f"{first},{third},999999") == [first, third]
    assert data.admin.ids(path, name__in="beta,alpha-one") == [first, third]
    repeated = data.admin.request("GET", f"{path}?id__in={first}&id__in={third}")
    assert [c["id"] for c in repeated.json()] == [third]  # repeated parameters: the last wins


def test_isnull_and_booleans(data: Data) -> None:
    path, clusters = "allocations/clusters/", data.clusters
    no_description = ids_where(clusters, lambda c: c["description"] is None)
    assert data.admin.ids(path, description__isnull="true") == no_description
    described = ids_where(clusters, lambda c: c["description"] is not None)
    assert data.admin.ids(path, description__isnull="false") == described
    assert data.admin.ids(path, enabled="false") == ids_where(clusters, lambda c: not c["enabled"])
    assert data.admin.ids(path, enabled="true") == ids_where(clusters, lambda c: c["enabled"])


def test_numeric_comparisons(data: Data) -> None:
    path, records = "allocations/allocations/", data.allocations
    middle = records[1]["requested"]
    for lookup, test in (
        ("lt", lambda a: a["requested"] < middle),
        ("lte", lambda a: a["requested"] <= middle),
        ("gt", lambda a: a["requested"] > middle),
        ("gte", lambda a: a["requested"] >= middle),
    ):
        assert data.admin.ids(path, **{f"requested__{lookup}": str(middle)}) == ids_where(
            records, test
        )
    assert data.admin.ids("research/grants/", amount__gt="10") == ids_where(
        data.grants, lambda g: float(g["amount"]) > 10
    )


def test_foreign_keys_filter_by_id(data: Data) -> None:
    request = data.requests[0]["id"]
    expected = ids_where(data.allocations, lambda a: a["request"] == request)
    assert data.admin.ids("allocations/allocations/", request=str(request)) == expected
    other = data.requests[2]["id"]
    assert data.admin.ids("allocations/reviews/", request__in=f"{request},{other}") == ids_where(
        data.reviews, lambda r: r["request"] in (request, other)
    )
    # As in django-filter, a related id must exist (unlike a plain number in an ``__in`` list).
    unknown = data.admin.get("allocations/reviews/", request__in=f"{request},999999")
    assert unknown.status == 400
    assert list(unknown.json()) == ["request__in"]


def _date(record: dict[str, Any]) -> dt.date:
    return dt.date.fromisoformat(record["active"])


@pytest.mark.parametrize(
    ("lookup", "part"),
    [
        ("year", lambda d: d.year),
        ("month", lambda d: d.month),
        ("day", lambda d: d.day),
        ("week", lambda d: d.isocalendar()[1]),
        ("week_day", lambda d: d.isoweekday() % 7 + 1),  # Django: 1 = Sunday ... 7 = Saturday
    ],
)
def test_date_parts(data: Data, lookup: str, part: Any) -> None:
    target = part(_date(data.requests[1]))
    expected = ids_where(data.requests, lambda r: part(_date(r)) == target)
    found = data.admin.ids("allocations/requests/", **{f"active__{lookup}": str(target)})
    assert found == expected


def test_date_comparisons(data: Data) -> None:
    pivot = data.requests[1]["active"]
    path = "allocations/requests/"
    assert data.admin.ids(path, active__lt=pivot) == ids_where(
        data.requests, lambda r: r["active"] < pivot
    )
    assert data.admin.ids(path, active__gte=pivot) == ids_where(
        data.requests, lambda r: r["active"] >= pivot
    )
    assert data.admin.ids(path, active=pivot) == [data.requests[1]["id"]]


def test_datetime_parts(data: Data) -> None:
    stamp = dt.datetime.fromisoformat(data.reviews[0]["date_modified"].replace("Z", "+00:00"))
    path, every = "allocations/reviews/", [r["id"] for r in data.reviews]
    hour = data.admin.ids(path, date_modified__hour=str(stamp.hour))
    assert data.reviews[0]["id"] in hour
    other_hour = (stamp.hour + 12) % 24
    assert data.admin.ids(path, date_modified__hour=str(other_hour)) == []
    assert data.admin.ids(path, date_modified__year=str(stamp.year)) == every
    before = (stamp - dt.timedelta(days=1)).isoformat()
    assert data.admin.ids(path, date_modified__gt=before) == every


def test_unknown_parameters_are_ignored(data: Data) -> None:
    every = [c["id"] for c in data.clusters]
    assert data.admin.ids("allocations/clusters/", not_a_field="1", name__regex="x") == every


@pytest.mark.parametrize(
    ("path", "parameter", "message"),
    [
        ("allocations/clusters/", "id__gt", "Enter a number."),
        ("allocations/allocations/", "requested__in", "Enter a number."),
        ("allocations/requests/", "active", "Enter a valid date."),
        ("allocations/requests/", "active__year", "Enter a number."),
        ("allocations/reviews/", "date_modified__lt", "Enter a valid date/time."),
    ],
)
def test_a_malformed_value_answers_400_naming_the_parameter(
    data: Data, path: str, parameter: str, message: str
) -> None:
    response = data.admin.get(path, **{parameter: "notvalid"})
    assert (response.status, response.json()) == (400, {parameter: [message]})


def _typed_parameters() -> list[tuple[str, str]]:
    """Every documented filter whose schema type lets a malformed value be rejected."""
    found = []
    for path, operations in load_spec()["paths"].items():
        for parameter in operations.get("get", {}).get("parameters", []):
            schema = parameter["schema"]
            item = schema.get("items", schema)
            typed = item.get("type") in ("integer", "number") or "enum" in item
            typed = typed or schema.get("format") in ("date", "date-time")
            if parameter["in"] == "query" and typed:
                found.append((path.lstrip("/"), parameter["name"]))
    return found


def test_every_documented_typed_filter_exists(data: Data) -> None:
    """The spec's typed filters all validate their value, so every one of them is in place."""
    parameters, missing = _typed_parameters(), []
    for path, name in parameters:
        response = data.admin.get(path, **{name: "not-valid"})
        if response.status != 400 or name not in response.json():
            missing.append(f"{path}?{name}= -> {response.status}")
    assert len(parameters) > 250
    assert not missing, "\n".join(missing)
