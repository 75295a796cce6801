"""Page envelopes (0.8.0 and later) and plain lists (0.3.26) both give every record."""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from local_server import Canned, LocalServer, Received

from keystone import (
    KeystoneClient,
    PaginationError,
    ResponseDecodeError,
    StaticTokenAuth,
    UnexpectedResponseError,
)
from keystone.testing import KeystoneEmulator

CLUSTERS = "/allocations/clusters/"
RECORDS = 7


@pytest.fixture(scope="module")
def paged() -> Iterator[KeystoneEmulator]:
    with KeystoneEmulator(api="0.10.9", user_throttle=None) as running:
        yield running


@pytest.fixture(scope="module")
def client(paged: KeystoneEmulator) -> Iterator[KeystoneClient]:
    with KeystoneClient(paged.url) as client:
        client.login(paged.admin_username, paged.admin_password)
        for n in range(RECORDS):
            client.create_cluster(name=f"paged-{n}", enabled=n % 2 == 0)
        yield client


def _gets(emulator: KeystoneEmulator) -> int:
    return emulator.stats.count(method="GET", path=CLUSTERS)


def test_the_server_really_paginates(client: KeystoneClient) -> None:
    page = client.http_get("allocations/clusters", params={"_limit": 3}).json()
    assert page["count"] == RECORDS
    assert len(page["results"]) == 3
    assert page["next"]


def test_retrieve_follows_next_links_and_returns_every_record(
    client: KeystoneClient, paged: KeystoneEmulator
) -> None:
    paged.stats.reset()
    assert len(client.retrieve_cluster()) == RECORDS  # one page: pages of 1000 unless asked
    assert _gets(paged) == 1
    paged.stats.reset()
    records = client.retrieve_cluster(filters={"_limit": 2})
    assert [r["name"] for r in records] == [f"paged-{n}" for n in range(RECORDS)]
    assert _gets(paged) == 6  # 2, then 1 new each: every page starts on the last one's end


def test_filters_apply_on_every_page(client: KeystoneClient) -> None:
    enabled = client.retrieve_cluster(filters={"enabled": True, "_limit": 1})
    assert [r["name"] for r in enabled] == ["paged-0", "paged-2", "paged-4", "paged-6"]


def test_iter_fetches_a_page_only_when_it_is_needed(
    client: KeystoneClient, paged: KeystoneEmulator
) -> None:
    paged.stats.reset()
    records = client.iter_cluster(page_size=3, workers=1)  # one page at a time: no read-ahead
    assert _gets(paged) == 0  # nothing is sent before the first record is wanted
    seen = [next(records)]
    assert _gets(paged) == 1
    seen += [next(records), next(records)]
    assert _gets(paged) == 1  # the first page is not yet used up
    seen.append(next(records))
    assert _gets(paged) == 2
    seen += list(records)
    assert _gets(paged) == 3
    assert [r["name"] for r in seen] == [f"paged-{n}" for n in range(RECORDS)]
    limits = {e.path for e in paged.stats.entries(method="GET")}
    assert limits == {CLUSTERS}


def test_iter_sends_the_page_size(local_server: LocalServer) -> None:
    local_server.route("GET", CLUSTERS, Canned(200, []))
    client = KeystoneClient(local_server.url, server="0.4+")
    assert list(client.iter_cluster(page_size=25)) == []
    assert local_server.last.path == CLUSTERS + "?_limit=25"
    for bad in (0, -1, 2.5, True, "10"):
        with pytest.raises(ValueError, match="page_size"):
            client.iter_cluster(page_size=bad)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="not both"):
        client.iter_cluster(filters={"_limit": 5}, page_size=5)


def test_plain_lists_still_work(admin: KeystoneClient, emulator: KeystoneEmulator) -> None:
    for n in range(3):
        admin.create_cluster(name=f"plain-{n}")
    emulator.stats.reset()
    records = list(admin.iter_cluster(filters={"name__startswith": "plain-"}, page_size=1))
    assert [r["name"] for r in records] == ["plain-0", "plain-1", "plain-2"]
    assert _gets(emulator) == 1  # an unpaginating server ignores _limit and sends everything


# -- next links that must not be followed, over a scripted server ----------------------------


def _page(results: list[Any], next_link: str | None) -> Canned:
    return Canned(200, {"count": 9, "next": next_link, "previous": None, "results": results})


def _with_token(url: str) -> KeystoneClient:
    return KeystoneClient(url, auth=StaticTokenAuth("secret-key"), server="0.4+")


def test_next_links_on_the_same_api_carry_the_credentials(local_server: LocalServer) -> None:
    local_server.route("GET", CLUSTERS, _page([{"id": 1}], local_server.url + "page/2/"))
    local_server.route("GET", "/page/2/", _page([{"id": 2}], "/page/3/?x=1"))  # relative link
    local_server.route("GET", "/page/3/", _page([{"id": 3}], None))
    client = _with_token(local_server.url)
    assert client.retrieve_cluster() == [{"id": 1}, {"id": 2}, {"id": 3}]
    first = CLUSTERS + "?_limit=1000"  # the largest page the server serves, unless asked
    assert [r.path for r in local_server.received] == [first, "/page/2/", "/page/3/?x=1"]
    assert {r.headers.get("Authorization") for r in local_server.received} == {"Token secret-key"}


def test_a_next_link_to_another_origin_is_refused(local_server: LocalServer) -> None:
    elsewhere = LocalServer().start()
    try:
        elsewhere.route("*", "/steal/", Canned(200, []))
        local_server.route("GET", CLUSTERS, _page([{"id": 1}], elsewhere.url + "steal/"))
        client = _with_token(local_server.url)
        with pytest.raises(PaginationError, match="outside the API") as caught:
            client.retrieve_cluster()
        assert elsewhere.url in str(caught.value)
        records = client.iter_cluster()
        assert next(records) == {"id": 1}  # the first page's records are still delivered
        with pytest.raises(PaginationError):
            next(records)
        assert elsewhere.received == []
    finally:
        elsewhere.stop()


@pytest.mark.parametrize(
    "link",
    [
        "https://127.0.0.1:{port}/api/page/2/",  # another scheme
        "http://127.0.0.1:{port}/other/page/2/",  # outside the base path
        "http://127.0.0.1:{port}/api/../other/",  # escapes it with ..
        "http://user:pw@127.0.0.1:{port}/api/page/2/",  # credentials in the URL
    ],
)
def test_next_links_must_stay_under_the_base_url(local_server: LocalServer, link: str) -> None:
    local_server.route("GET", "/api" + CLUSTERS, _page([], link.format(port=local_server.port)))
    client = _with_token(local_server.url + "api/")
    with pytest.raises(PaginationError, match="outside the API") as caught:
        client.retrieve_cluster()
    assert "user:pw" not in str(caught.value)
    assert len(local_server.received) == 1


def test_a_cycle_of_next_links_stops(local_server: LocalServer) -> None:
    local_server.route("GET", CLUSTERS, _page([{"id": 1}], "/page/2/"))
    back = local_server.url[:-1] + CLUSTERS + "?_limit=1000"  # the first page, as it was asked
    local_server.route("GET", "/page/2/", _page([{"id": 2}], back))
    with pytest.raises(PaginationError, match="already read"):
        _with_token(local_server.url).retrieve_cluster()
    assert len(local_server.received) == 2


@pytest.mark.parametrize(
    "body",
    [{"detail": "odd"}, {"results": "x", "next": None}, b'"text"', b"3", {"next": None}],
)
def test_a_list_body_of_the_wrong_shape_is_an_error(local_server: LocalServer, body: Any) -> None:
    local_server.route("GET", CLUSTERS, Canned(200, body, {"Content-Type": "application/json"}))
    with pytest.raises(UnexpectedResponseError, match="expected a JSON list"):
        KeystoneClient(local_server.url).retrieve_cluster()


def test_a_list_body_that_is_not_json_is_a_decode_error(local_server: LocalServer) -> None:
    local_server.route("GET", CLUSTERS, Canned(200, "<html>a proxy page</html>"))
    with pytest.raises(ResponseDecodeError, match="a proxy page"):
        KeystoneClient(local_server.url).retrieve_cluster()


def test_a_record_body_of_the_wrong_shape_is_an_error(local_server: LocalServer) -> None:
    def answer(received: Received) -> Canned:
        return Canned(200 if received.method == "GET" else 201, [{"id": 1}])

    local_server.route("*", CLUSTERS + "1/", answer)
    local_server.route("*", CLUSTERS, answer)
    client = KeystoneClient(local_server.url)
    with pytest.raises(UnexpectedResponseError, match="expected one record"):
        client.retrieve_cluster(pk=1)
    with pytest.raises(UnexpectedResponseError, match="expected one record"):
        client.create_cluster(name="x")


def test_iter_holds_one_page_at_a_time(local_server: LocalServer) -> None:
    """Walking 40 pages with iter_ peaks at a small fraction of what the full list needs."""
    pages, per_page = 40, 400

    def page(received: Received) -> Canned:
        number = int(received.path.rpartition("page=")[2]) if "page=" in received.path else 1
        records = [
            {"id": (number - 1) * per_page + n, "endpoint": "x" * 200} for n in range(per_page)
        ]
        link = f"{CLUSTERS}?page={number + 1}" if number < pages else None
        return _page(records, link)

    local_server.route("GET", CLUSTERS, page)
    client = KeystoneClient(local_server.url, server="0.4+")

    def peak(walk: Callable[[], int]) -> tuple[int, int]:
        tracemalloc.start()
        try:
            count = walk()
            return count, tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    listed, list_peak = peak(lambda: len(client.retrieve_cluster()))
    walked, iter_peak = peak(lambda: sum(1 for _ in client.iter_cluster()))
    assert listed == walked == pages * per_page
    assert iter_peak * 5 < list_peak, (iter_peak, list_peak)
