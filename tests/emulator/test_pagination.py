"""The optional paginated mode (``paginate=True``): ``_limit``/``_offset`` pages like newer servers.

One emulator with 1,005 clusters serves the module: enough for several default pages (100)
and to show the 1,000-record cap on ``_limit``.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from emulator_api import Client

from keystone.testing import KeystoneEmulator

RECORDS = 1005
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


@pytest.fixture(scope="module")
def admin() -> Iterator[Client]:
    with KeystoneEmulator(
        api="0.3.26", paginate=True, user_throttle=None, anon_throttle=None
    ) as emulator:
        admin = Client.admin(emulator)

        def create(start: int) -> None:
            client = Client(emulator.url)
            client.tokens = admin.tokens
            for number in range(start, RECORDS, 8):
                client.create("allocations/clusters/", {"name": f"cluster-{number:04d}"})

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(create, range(8)))
        yield admin


def page(admin: Client, **fields: str) -> dict[str, Any]:
    response = admin.get("allocations/clusters/", **fields)
    assert response.status == 200, response.data
    body: dict[str, Any] = response.json()
    assert list(body) == ["count", "next", "previous", "results"]
    return body


def query(link: str) -> dict[str, str]:
    return {key: values[-1] for key, values in parse_qs(urlsplit(link).query).items()}


def test_lists_are_pages_of_the_default_size(admin: Client) -> None:
    first = page(admin)
    assert first["count"] == RECORDS
    assert len(first["results"]) == DEFAULT_LIMIT
    assert first["previous"] is None
    assert query(first["next"]) == {"_limit": str(DEFAULT_LIMIT), "_offset": str(DEFAULT_LIMIT)}


def test_following_next_links_visits_every_record_once_in_order(admin: Client) -> None:
    seen: list[int] = []
    body = page(admin, _limit="250")
    pages = 1
    while True:
        seen += [record["id"] for record in body["results"]]
        if body["next"] is None:
            break
        assert urlsplit(body["next"]).path == "/allocations/clusters/"
        body = page(admin, **query(body["next"]))
        pages += 1
    assert pages == -(-RECORDS // 250)
    assert seen == sorted(seen) and len(set(seen)) == RECORDS


def test_previous_link_and_offset_past_the_end(admin: Client) -> None:
    middle = page(admin, _limit="10", _offset="20")
    assert query(middle["previous"]) == {"_limit": "10", "_offset": "10"}
    assert [r["id"] for r in middle["results"]] == [r["id"] for r in page(admin)["results"][20:30]]
    beyond = page(admin, _offset=str(RECORDS + 50))
    assert beyond["results"] == [] and beyond["next"] is None and beyond["count"] == RECORDS


def test_limit_is_capped(admin: Client) -> None:
    capped = page(admin, _limit="5000")
    assert len(capped["results"]) == MAX_LIMIT
    assert query(capped["next"])["_limit"] == str(MAX_LIMIT)


def test_filters_apply_before_paging(admin: Client) -> None:
    body = page(admin, name__startswith="cluster-00", _limit="30")
    assert body["count"] == 100
    assert len(body["results"]) == 30
    assert all(r["name"].startswith("cluster-00") for r in body["results"])
    assert query(body["next"])["name__startswith"] == "cluster-00"


def test_detail_routes_are_not_wrapped(admin: Client) -> None:
    first_id = page(admin, _limit="1")["results"][0]["id"]
    record = admin.get(f"allocations/clusters/{first_id}/").json()
    assert set(record) == {"id", "name", "description", "enabled"}
