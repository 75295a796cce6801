"""Filters reach the server in the form django-filter reads, and bad ones fail clearly."""

from __future__ import annotations

import datetime
import decimal
import enum
from typing import Any

import pytest
from local_server import Canned, LocalServer
from resource_helpers import unique

from keystone import KeystoneClient, UnsupportedError, ValidationError
from keystone.testing import KeystoneEmulator


class Status(enum.Enum):
    APPROVED = "AP"
    DECLINED = "DC"


@pytest.fixture(scope="module")
def clusters(admin: KeystoneClient) -> dict[str, dict[str, Any]]:
    prefix = unique("filt")
    return {
        key: admin.create_cluster(name=f"{prefix}-{key}", enabled=enabled)
        for key, enabled in (("a", True), ("b", False), ("c", True))
    }


@pytest.fixture(scope="module")
def grants(admin: KeystoneClient, graph: dict[str, Any]) -> list[dict[str, Any]]:
    common: dict[str, Any] = {
        "agency": "NSF",
        "amount": "10.00",
        "grant_number": "F",
        "fiscal_year": 2024,
    }
    group = graph["research_group"]["id"]
    return [
        admin.create_grant(
            title=unique("g"), start_date=start, end_date="2026-01-01", group=group, **common
        )
        for start in (datetime.date(2023, 1, 1), datetime.date(2024, 6, 1))
    ]


def _ids(records: list[dict[str, Any]]) -> list[int]:
    return sorted(record["id"] for record in records)


@pytest.mark.parametrize("container", [list, tuple, set, frozenset])
def test_in_lookup_sends_one_comma_joined_value(
    admin: KeystoneClient, clusters: dict[str, dict[str, Any]], container: type
) -> None:
    wanted = [clusters["a"]["id"], clusters["c"]["id"]]
    found = admin.retrieve_cluster(filters={"id__in": container(wanted)})
    # Repeated parameters (id__in=1&id__in=3) would make the server keep only the last one.
    assert _ids(found) == sorted(wanted)


def test_booleans_are_true_and_false(
    admin: KeystoneClient, clusters: dict[str, dict[str, Any]]
) -> None:
    prefix = clusters["a"]["name"][:-2]
    disabled = admin.retrieve_cluster(filters={"name__startswith": prefix, "enabled": False})
    enabled = admin.retrieve_cluster(filters={"name__startswith": prefix, "enabled": True})
    assert _ids(disabled) == [clusters["b"]["id"]]
    assert _ids(enabled) == sorted([clusters["a"]["id"], clusters["c"]["id"]])


def test_text_lookups(admin: KeystoneClient, clusters: dict[str, dict[str, Any]]) -> None:
    name = clusters["b"]["name"]
    assert _ids(admin.retrieve_cluster(filters={"name": name})) == [clusters["b"]["id"]]
    assert _ids(admin.retrieve_cluster(filters={"name__endswith": name[-6:]})) == [
        clusters["b"]["id"]
    ]
    assert len(admin.retrieve_cluster(filters={"name__contains": name[:-2]})) == 3


def test_numbers_and_isnull(admin: KeystoneClient, clusters: dict[str, dict[str, Any]]) -> None:
    first = clusters["a"]["id"]
    above = admin.retrieve_cluster(filters={"id__gt": first, "name__contains": "filt"})
    assert _ids(above) == sorted([clusters["b"]["id"], clusters["c"]["id"]])
    no_description = admin.retrieve_cluster(filters={"description__isnull": True, "id": first})
    assert _ids(no_description) == [first]


def test_dates_are_iso_8601(admin: KeystoneClient, grants: list[dict[str, Any]]) -> None:
    ids = [grant["id"] for grant in grants]
    since = admin.retrieve_grant(
        filters={"id__in": ids, "start_date__gte": datetime.date(2024, 1, 1)}
    )
    assert _ids(since) == [ids[1]]
    in_2023 = admin.retrieve_grant(filters={"id__in": ids, "start_date__year": 2023})
    assert _ids(in_2023) == [ids[0]]


def test_datetimes_are_iso_8601_with_their_offset(
    admin: KeystoneClient, graph: dict[str, Any]
) -> None:
    review = graph["review"]["id"]
    utc = datetime.timezone.utc
    past = datetime.datetime(2000, 1, 1, tzinfo=utc)
    later = datetime.datetime.now(utc) + datetime.timedelta(days=1)
    assert _ids(admin.retrieve_review(filters={"id": review, "date_modified__gte": past})) == [
        review
    ]
    assert admin.retrieve_review(filters={"id": review, "date_modified__gte": later}) == []


def test_enums_are_sent_by_value(admin: KeystoneClient, graph: dict[str, Any]) -> None:
    review = graph["review"]
    found = admin.retrieve_review(filters={"id": review["id"], "status": Status.APPROVED})
    assert _ids(found) == [review["id"]]
    assert admin.retrieve_review(filters={"id": review["id"], "status": Status.DECLINED}) == []


def test_a_filter_name_the_server_does_not_know_is_refused_before_sending(
    admin: KeystoneClient, emulator: KeystoneEmulator, clusters: dict[str, dict[str, Any]]
) -> None:
    emulator.stats.reset()
    for call in (admin.retrieve_cluster, admin.iter_cluster):
        with pytest.raises(ValueError, match="'nmae' is not a filter of clusters") as caught:
            call(filters={"nmae": "a"})
        assert "did you mean 'name'?" in str(caught.value)
        assert "check_filters=False" in str(caught.value)
    with pytest.raises(ValueError, match="did you mean 'name__startswith'"):
        admin.retrieve_cluster(filters={"name__startwith": "a"})
    with pytest.raises(ValueError, match="its filters are on the fields description, enabled"):
        admin.retrieve_cluster(pk=clusters["a"]["id"], filters={"zzz": 1})
    assert emulator.stats.total == 0


def test_search_and_order_on_keystone_0_3_are_refused_with_what_to_do_instead(
    admin: KeystoneClient, emulator: KeystoneEmulator
) -> None:
    admin.server  # noqa: B018 (found out before counting)
    emulator.stats.reset()
    with pytest.raises(UnsupportedError, match="cannot search clusters") as searched:
        admin.retrieve_cluster(search="gpu")
    assert "use filters instead. Nothing was sent." in str(searched.value)
    with pytest.raises(UnsupportedError, match="cannot order clusters") as ordered:
        admin.iter_cluster(order="-id")
    assert "sort the records in Python instead" in str(ordered.value)
    assert searched.value.request_sent is False and ordered.value.request_sent is False
    assert emulator.stats.total == 0


def test_check_filters_false_sends_unknown_names_and_the_server_ignores_them(
    emulator: KeystoneEmulator, clusters: dict[str, dict[str, Any]]
) -> None:
    client = KeystoneClient(emulator.url, check_filters=False)
    client.login(emulator.admin_username, emulator.admin_password)
    assert clusters["a"] in client.retrieve_cluster(filters={"not_a_field": 1})
    with pytest.raises(TypeError, match="check_filters"):
        KeystoneClient(emulator.url, check_filters="no")  # type: ignore[arg-type]


def test_a_filter_value_the_filter_cannot_read_is_refused_before_sending(
    admin: KeystoneClient, emulator: KeystoneEmulator
) -> None:
    emulator.stats.reset()
    with pytest.raises(ValueError, match=r"'id__gt' of clusters .* takes a whole number, not"):
        admin.retrieve_cluster(filters={"id__gt": "notanumber"})
    with pytest.raises(ValueError, match=r"'enabled' .* takes True or False, not 'no'.*every"):
        next(admin.iter_cluster(filters={"enabled": "no"}))
    assert emulator.stats.entries(path="/allocations/clusters/") == []


def test_the_server_names_a_bad_filter_value_when_the_check_is_off(
    emulator: KeystoneEmulator,
) -> None:
    client = KeystoneClient(emulator.url, check_filters=False)
    client.login(emulator.admin_username, emulator.admin_password)
    with pytest.raises(ValidationError) as caught:
        client.retrieve_cluster(filters={"id__gt": "notanumber"})
    assert caught.value.errors == {"id__gt": ["Enter a number."]}
    assert "id__gt: Enter a number." in str(caught.value)


@pytest.mark.parametrize(
    ("filters", "error", "message"),
    [
        ({"description": None}, ValueError, "description__isnull"),
        ({"id__in": []}, ValueError, "empty"),
        ({"id": object()}, TypeError, "object"),
        ([("id", 1)], TypeError, "mapping"),
        ({"name__in": ["Smith, J"]}, ValueError, "'Smith, J', which contains a comma"),
        ({"name__in": ("a", "b,c")}, ValueError, "'b,c', which contains a comma"),
        ({"id__gt": float("nan")}, ValueError, "finite number"),
        ({"id__lt": float("inf")}, ValueError, "finite number"),
    ],
)
def test_unencodable_filters_are_refused_before_any_request(
    admin: KeystoneClient, emulator: KeystoneEmulator, filters: Any, error: type, message: str
) -> None:
    emulator.stats.reset()
    with pytest.raises(error, match=message):
        admin.retrieve_cluster(filters=filters)
    with pytest.raises(error, match=message):
        admin.iter_cluster(filters=filters)  # checked on the call, not at the first next()
    with pytest.raises(error, match=message):
        admin.retrieve_cluster(pk=1, filters=filters)
    assert emulator.stats.total == 0


def test_the_query_string_on_the_wire(local_server: LocalServer) -> None:
    local_server.route("GET", "/allocations/clusters/", Canned(200, []))
    client = KeystoneClient(local_server.url, server="0.3", check_filters=False)
    client.retrieve_cluster(
        filters={
            "id__in": (3, 1),
            "enabled": True,
            "active__gte": datetime.date(2024, 1, 2),
            "time__lt": datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
            "name__contains": "a b&c",
        }
    )
    assert local_server.last.path == (
        "/allocations/clusters/?id__in=3,1&enabled=true&active__gte=2024-01-02"
        "&time__lt=2024-01-02T03:04:05%2B00:00&name__contains=a%20b%26c"
    )
    list(client.iter_cluster(filters={"id__in": {2, 1}}, page_size=50))
    assert local_server.last.path == "/allocations/clusters/?id__in=1,2"  # 0.3 lists are whole
    paged = KeystoneClient(local_server.url, server="0.10.9", check_filters=False)
    list(paged.iter_cluster(filters={"id__in": {2, 1}}, page_size=50))
    assert local_server.last.path == "/allocations/clusters/?id__in=1,2&_limit=50"
    client.retrieve_cluster(filters={"name": "Smith, J", "amount__gte": decimal.Decimal("1.50")})
    assert local_server.last.path == "/allocations/clusters/?name=Smith,%20J&amount__gte=1.50"
