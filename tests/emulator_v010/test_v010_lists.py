"""List pages, filters, ``_search`` and ``_order`` on the v0.10.9 profile."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from session_api import Session, unique


@pytest.fixture(scope="module")
def clusters(admin: Session) -> Iterator[tuple[str, list[int]]]:
    """Five clusters sharing a unique name prefix; odd ones have a description."""
    prefix = unique("page")
    ids = [
        admin.create(
            "allocations/clusters/",
            {"name": f"{prefix}-{n}", **({"description": "odd"} if n % 2 else {})},
        )["id"]
        for n in range(1, 6)
    ]
    yield prefix, ids
    for cluster_id in ids:
        admin.delete(f"allocations/clusters/{cluster_id}/")


def _page(admin: Session, prefix: str, **fields: str) -> dict[str, object]:
    query = {"name__startswith": prefix, "_order": "id", **fields}
    return admin.page("allocations/clusters/", **query)


def test_pages_link_to_each_other_with_absolute_urls(
    admin: Session, clusters: tuple[str, list[int]]
) -> None:
    prefix, ids = clusters
    first = _page(admin, prefix, _limit="2")
    assert first["count"] == 5 and [r["id"] for r in first["results"]] == ids[:2]  # type: ignore[index]
    assert first["previous"] is None
    assert first["next"] == (
        f"{admin.base_url}allocations/clusters/?_limit=2&_offset=2&_order=id"
        f"&name__startswith={prefix}"
    )
    second = admin.page(str(first["next"]).removeprefix(admin.base_url))
    assert [r["id"] for r in second["results"]] == ids[2:4]
    assert str(second["previous"]).endswith(f"?_limit=2&_order=id&name__startswith={prefix}")


@pytest.mark.parametrize(
    ("limit", "effective"), [("5000", "1000"), ("abc", "100"), ("0", "100"), ("-3", "100")]
)
def test_out_of_range_limits_fall_back_silently(
    admin: Session, clusters: tuple[str, list[int]], limit: str, effective: str
) -> None:
    prefix, ids = clusters
    page = _page(admin, prefix, _limit=limit, _offset="1")
    assert [r["id"] for r in page["results"]] == ids[1:]  # type: ignore[index]
    assert f"_limit={effective}&" in str(page["previous"])


def test_offsets_below_zero_start_at_zero_and_past_the_end_are_empty(
    admin: Session, clusters: tuple[str, list[int]]
) -> None:
    prefix, ids = clusters
    negative = _page(admin, prefix, _offset="-1", _limit="2")
    assert [r["id"] for r in negative["results"]] == ids[:2]  # type: ignore[index]
    assert negative["previous"] is None
    beyond = _page(admin, prefix, _offset="100")
    assert beyond["results"] == [] and beyond["count"] == 5 and beyond["next"] is None


def test_the_default_page_size_is_100(admin: Session) -> None:
    prefix = unique("many")
    for n in range(101):
        admin.create("users/teams/", {"name": f"{prefix}-{n:03}"})
    page = admin.page("users/teams/", name__startswith=prefix)
    assert page["count"] == 101 and len(page["results"]) == 100
    assert "_limit=100&_offset=100" in page["next"]


def test_negated_and_list_lookups(admin: Session, clusters: tuple[str, list[int]]) -> None:
    prefix, ids = clusters

    def found(**fields: str) -> list[int]:
        return [r["id"] for r in _page(admin, prefix, **fields)["results"]]  # type: ignore[index]

    assert found(id__in=f"{ids[0]},{ids[2]},999999") == [ids[0], ids[2]]
    assert found(id__not_in=f"{ids[0]},{ids[2]}") == [ids[1], ids[3], ids[4]]
    assert found(id__not_eq=str(ids[0])) == ids[1:]
    assert found(description__isnull="true") == [ids[1], ids[3]]
    assert found(name__endswith="-3") == [ids[2]]
    assert found(name__not_endswith="-3") == [ids[0], ids[1], ids[3], ids[4]]
    assert found(name__not_contains=f"{prefix}-1") == ids[1:]
    assert found(name__not_startswith=f"{prefix}-2") == [ids[0], *ids[2:]]
    assert found(name__contains=prefix.upper()) == ids  # case-insensitive on SQLite
    assert found(id__gte=str(ids[1]), id__lt=str(ids[3])) == ids[1:3]


def test_unknown_filters_bad_booleans_and_unsupported_lookups_are_ignored(
    admin: Session, clusters: tuple[str, list[int]]
) -> None:
    prefix, ids = clusters
    for fields in ({"no_such_field": "1"}, {"enabled": "maybe"}, {"name__iexact": "zzz"}):
        assert [r["id"] for r in _page(admin, prefix, **fields)["results"]] == ids  # type: ignore[index]


@pytest.mark.parametrize(
    ("path", "parameter", "value", "message"),
    [
        ("allocations/clusters/", "id__gt", "abc", "Enter a number."),
        ("allocations/clusters/", "id__in", "1,abc", "Enter a number."),
        ("allocations/requests/", "active", "2025-13-45", "Enter a valid date."),
        ("allocations/requests/", "submitted__gt", "yesterday", "Enter a valid date/time."),
    ],
)
def test_malformed_values_are_a_400_naming_the_parameter(
    admin: Session, path: str, parameter: str, value: str, message: str
) -> None:
    response = admin.get(path, **{parameter: value})
    assert response.status == 400 and response.json() == {parameter: [message]}


def test_order_and_search(admin: Session, clusters: tuple[str, list[int]]) -> None:
    prefix, ids = clusters
    descending = admin.page("allocations/clusters/", _search=prefix, _order="-name")
    assert [r["id"] for r in descending["results"]] == ids[::-1]
    unknown = _page(admin, prefix, _order="-no_such_field")
    assert [r["id"] for r in unknown["results"]] == ids  # type: ignore[index]
    mixed = admin.page("allocations/clusters/", name__startswith=prefix, _order="description,-id")
    assert [r["id"] for r in mixed["results"]] == [ids[3], ids[1], ids[4], ids[2], ids[0]]


def test_links_without_their_own_filter_are_ignored(admin: Session) -> None:
    """One-to-one and many-to-many links get no filter (the real server's exact-type map)."""
    everyone = admin.page("notifications/preferences/")["count"]
    assert admin.page("notifications/preferences/", user="999999")["count"] == everyone
