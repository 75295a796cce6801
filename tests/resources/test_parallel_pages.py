"""Reading the pages of a list in parallel, against a scripted server.

The server pages a Python list by ``_limit``/``_offset`` the way DRF's LimitOffsetPagination
does (count, next link, at most 1000 a page), and can change the list between requests: add
records at the end or in front, remove some, or fail one page. It answers over real sockets
(``serve``), or, where only the walk's decisions are at stake (the random changes, the plan
from a short count, records repeated where pages meet, arguments refused before sending),
through a ``MockTransport`` (``serve_mock``): the same answers, with no HTTP in between.
"""

from __future__ import annotations

import contextvars
import itertools
import random
import threading
import time
import tracemalloc
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from local_server import Canned, LocalServer, Received

from keystone import (
    KeystoneClient,
    PaginationError,
    Request,
    Response,
    ServerError,
    StaticTokenAuth,
    UnexpectedResponseError,
)
from keystone.testing import MockTransport

CLUSTERS = "/allocations/clusters/"
MAX = 1000


class Collection:
    """A list served in pages; ``on_request(n)`` may change it before the n-th page is cut."""

    def __init__(self, records: int, delay: float = 0.0) -> None:
        self.records = [{"id": pk, "name": f"c-{pk}"} for pk in range(1, records + 1)]
        self.delay = delay
        self.requests: list[tuple[int, int]] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self.on_request: Callable[[int, Collection], None] = lambda n, c: None
        self.fail_at: int | None = None
        self.ignore_offset = False  # as a misconfigured cache in front of a server might
        self.count_short_by = 0  # a count lower than the records served (a stale count)
        self.html_at: int | None = None  # a proxy's HTML page, 200, in place of this page
        self.in_headers = False  # Keystone 0.7.4 and 0.7.5: a JSON list, X-Total-Count
        self.show_count = True
        self._lock = threading.Lock()
        self.url = ""

    def __call__(self, received: Received) -> Canned:
        query = dict(parse_qsl(urlsplit(received.path).query))
        limit = min(int(query.get("_limit", 100)), MAX)
        offset = int(query.get("_offset", 0))
        with self._lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            self.requests.append((offset, limit))
            self.on_request(len(self.requests), self)
        try:
            if self.delay:
                time.sleep(self.delay)
            with self._lock:
                if self.fail_at is not None and offset >= self.fail_at:
                    return Canned(500, {"detail": "A server error occurred."})
                if self.html_at is not None and offset >= self.html_at:
                    return Canned(200, "<html><body>Please sign in</body></html>")
                cut = 0 if self.ignore_offset else offset
                page = self.records[cut : cut + limit]
                count = len(self.records)
            shown = count - self.count_short_by
            if self.in_headers:
                headers = {"X-Total-Count": str(shown), "X-Offset": str(offset)}
                return Canned(200, page, headers={**headers, "X-Limit": str(limit)})
            link = None
            if offset + limit < count:  # the links go by the records there are
                link = f"{self.url}allocations/clusters/?_limit={limit}&_offset={offset + limit}"
            body = {"next": link, "previous": None, "results": page}
            return Canned(200, {"count": shown, **body} if self.show_count else body)
        finally:
            with self._lock:
                self.in_flight -= 1


@pytest.fixture
def serve(local_server: LocalServer) -> Callable[..., tuple[Collection, KeystoneClient]]:
    def start(
        records: int, delay: float = 0.0, server: str = "0.4+"
    ) -> tuple[Collection, KeystoneClient]:
        collection = Collection(records, delay)
        collection.url = local_server.url
        collection.in_headers = server in ("0.7.4", "0.7.5")
        local_server.route("GET", CLUSTERS, collection)
        client = KeystoneClient(local_server.url, auth=StaticTokenAuth("k"), server=server)
        return collection, client

    return start


MOCK_URL = "http://keystone.test/"


@pytest.fixture
def serve_mock() -> Callable[..., tuple[Collection, KeystoneClient]]:
    """``serve`` without sockets: the collection answers through a ``MockTransport``."""

    def start(records: int, server: str = "0.4+") -> tuple[Collection, KeystoneClient]:
        collection = Collection(records)
        collection.url = MOCK_URL
        collection.in_headers = server in ("0.7.4", "0.7.5")

        def answer(request: Request) -> Response:
            parts = urlsplit(request.url)
            query = parts.query or urlencode(request.params or {}, doseq=True)
            assert parts.path == CLUSTERS and request.method == "GET", request
            received = Received("GET", f"{parts.path}?{query}", dict(request.headers), b"")
            canned = collection(received)
            content, headers = canned.payload()
            return Response(canned.status, content=content, headers=headers)

        transport = MockTransport(answer)
        client = KeystoneClient(
            MOCK_URL, auth=StaticTokenAuth("k"), server=server, transport=transport
        )
        return collection, client

    return start


def _ids(records: list[dict[str, Any]]) -> list[int]:
    return [r["id"] for r in records]


def test_every_record_once_in_order_with_pages_read_at_once(serve: Any) -> None:
    collection, client = serve(2_500, delay=0.02)
    records = client.retrieve_cluster(filters={"_limit": 100}, workers=4)
    assert _ids(records) == list(range(1, 2_501))
    assert 3 <= collection.most_in_flight <= 4  # four pages at a time (unless too busy), never more
    offsets = sorted(offset for offset, _ in collection.requests)
    assert offsets == list(range(0, 2_500 - 10, 90))  # each page repeats the last 10 before it
    assert len(collection.requests) == 1 + 27


def test_without_a_page_size_the_largest_pages_are_read(serve: Any) -> None:
    collection, client = serve(2_500)
    assert _ids(list(client.iter_cluster())) == list(range(1, 2_501))
    assert collection.requests[0] == (0, MAX)
    assert len(collection.requests) == 3  # 1000, then 950 and 550 more (50 repeated each)


def test_by_default_retrieve_reads_8_pages_at_once_and_iter_4(serve: Any) -> None:
    collection, client = serve(20_000, delay=0.1)
    assert len(client.retrieve_cluster()) == 20_000
    at_once = collection.most_in_flight
    collection.most_in_flight = 0
    assert sum(1 for _ in client.iter_cluster()) == 20_000
    # Never more than the default; as many unless the machine is too busy to send them in time.
    assert 5 <= at_once <= 8 and 3 <= collection.most_in_flight <= 4, at_once


def test_deleting_the_last_record_delivered_costs_nothing(serve: Any) -> None:
    collection, client = serve(500)

    def delete_the_edge(n: int, c: Collection) -> None:
        if n == 2:  # after the first page was cut: its last record goes
            c.records = [r for r in c.records if r["id"] != 100]

    collection.on_request = delete_the_edge
    records = client.retrieve_cluster(filters={"_limit": 100}, workers=1)
    assert _ids(records) == list(range(1, 501))  # record 100 was delivered before it went


def test_an_offset_the_caller_gave_is_where_the_walk_starts(serve: Any) -> None:
    collection, client = serve(1_000)
    records = client.retrieve_cluster(filters={"_limit": 100, "_offset": 500}, workers=3)
    assert _ids(records) == list(range(501, 1_001))
    assert min(offset for offset, _ in collection.requests) == 500


def test_a_server_that_ignores_the_offset_is_an_error_not_a_short_list(serve: Any) -> None:
    collection, client = serve(300)
    collection.ignore_offset = True
    with pytest.raises(PaginationError, match="seems to ignore _offset") as caught:
        client.retrieve_cluster(filters={"_limit": 100}, workers=2)
    assert caught.value.records_delivered == 100


def test_workers_1_reads_one_page_after_another(serve: Any) -> None:
    collection, client = serve(500, delay=0.01)
    assert len(client.retrieve_cluster(filters={"_limit": 50}, workers=1)) == 500
    assert collection.most_in_flight == 1


def test_iter_reads_a_bounded_window_ahead(serve: Any) -> None:
    collection, client = serve(5_000)
    records = client.iter_cluster(page_size=100, workers=3)
    consumed = 0
    for _ in range(1_000):
        next(records)
        consumed += 1
    time.sleep(0.2)  # let the workers get as far ahead as they may
    pages_consumed = 1 + (consumed - 100 + 89) // 90
    assert len(collection.requests) <= pages_consumed + 3
    records.close()  # stopping early cancels what was not yet sent
    sent = len(collection.requests)
    time.sleep(0.1)
    assert len(collection.requests) == sent


def test_iter_memory_does_not_grow_with_the_collection(serve: Any) -> None:
    collection, client = serve(0)
    big = [{"id": pk, "name": f"c-{pk}", "endpoint": "x" * 200} for pk in range(1, 20_001)]

    def peak(records: int, walk: Callable[[], int]) -> int:
        collection.records = big[:records]
        tracemalloc.start()
        try:
            assert walk() == records
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    page = peak(1_000, lambda: len(client.retrieve_cluster()))  # one page's worth
    walked = peak(20_000, lambda: sum(1 for _ in client.iter_cluster()))  # 20 pages of 1000
    whole = peak(20_000, lambda: len(client.retrieve_cluster()))
    # The default window: four pages' bodies waiting, one being decoded; measured 2.3 to 3.0
    # pages' worth, the margin is for the scheduling of the four readers. The whole list is
    # twenty pages' records: measured 3.7 to 4.2 times the walk's peak.
    assert walked < 3.5 * page, (walked / page, page)
    assert walked * 3 < whole, (walked, whole)


def test_records_added_at_the_end_are_delivered_without_repeats(serve: Any) -> None:
    collection, client = serve(1_000)

    def grow(n: int, c: Collection) -> None:
        if n in (2, 4, 6):
            start = len(c.records) + 1
            c.records += [{"id": pk, "name": f"new-{pk}"} for pk in range(start, start + 150)]

    collection.on_request = grow
    records = client.retrieve_cluster(filters={"_limit": 100}, workers=3)
    assert _ids(records) == list(range(1, 1_451))  # the 1000, and the 450 added meanwhile


def test_records_added_in_front_move_the_rest_and_nothing_is_repeated(serve: Any) -> None:
    collection, client = serve(1_000)
    newest = itertools.count(-1, -1)

    def prepend(n: int, c: Collection) -> None:
        c.records[:0] = [{"id": next(newest), "name": "newest"} for _ in range(3)]

    collection.on_request = prepend  # a newest-first list, as the activity feed is
    records = client.retrieve_cluster(filters={"_limit": 100}, workers=4)
    ids = _ids(records)
    assert len(ids) == len(set(ids))  # no record twice
    assert [pk for pk in ids if pk > 0] == list(range(1, 1_001))  # none of the 1000 missing
    assert len(collection.requests) < 2 * (1 + 1_000 // 90)  # a few pages more, not a storm


def test_records_removed_meanwhile_leave_none_of_the_rest_out(serve: Any) -> None:
    collection, client = serve(1_000)
    removed: set[int] = set()

    def remove(n: int, c: Collection) -> None:
        if n in (3, 5):
            gone = c.records[10:30]  # from the part already read
            removed.update(r["id"] for r in gone)
            del c.records[10:30]

    collection.on_request = remove
    ids = _ids(client.retrieve_cluster(filters={"_limit": 100}, workers=2))
    assert len(ids) == len(set(ids))
    assert set(range(1, 1_001)) - removed <= set(ids)


def test_a_collection_that_moved_too_far_raises_saying_what_was_delivered(serve: Any) -> None:
    collection, client = serve(1_000)

    def churn(n: int, c: Collection) -> None:
        if n == 3:
            del c.records[: len(c.records) // 2]  # half the records gone, before the walk

    collection.on_request = churn
    records = client.iter_cluster(page_size=100, workers=1)
    delivered = []
    with pytest.raises(PaginationError, match="changed too much while it was read") as caught:
        for record in records:
            delivered.append(record)
    assert caught.value.records_delivered == len(delivered) == 190
    assert f"The first {len(delivered)} records were delivered" in str(caught.value)


def test_a_page_that_fails_mid_walk_raises_with_what_was_delivered(serve: Any) -> None:
    collection, client = serve(1_000)
    collection.fail_at = 400
    delivered = []
    with pytest.raises(ServerError) as caught:
        for record in client.iter_cluster(page_size=100, workers=4):
            delivered.append(record)
    assert _ids(delivered) == list(range(1, len(delivered) + 1))
    assert caught.value.records_delivered == len(delivered) == 460  # to the page at 360
    assert f"{len(delivered)} of its records had been delivered" in str(caught.value)
    with pytest.raises(ServerError, match="460 of its records had been delivered"):
        client.retrieve_cluster(filters={"_limit": 100})


@pytest.mark.parametrize("counted", [True, False], ids=["counted", "links only"])
@pytest.mark.parametrize("workers", [1, 4])
def test_an_html_page_mid_list_raises_with_what_was_delivered(
    serve: Any, counted: bool, workers: int
) -> None:
    collection, client = serve(1_000)
    collection.html_at, collection.show_count = 400, counted
    delivered = []
    with pytest.raises(UnexpectedResponseError) as caught:
        for record in client.iter_cluster(page_size=100, workers=workers):
            delivered.append(record)
    assert _ids(delivered) == list(range(1, len(delivered) + 1))
    assert caught.value.records_delivered == len(delivered) >= 400
    assert f"{len(delivered)} of its records had been delivered" in str(caught.value)


def test_a_first_page_that_is_no_list_delivered_none(serve: Any) -> None:
    collection, client = serve(10)
    collection.html_at = 0
    with pytest.raises(UnexpectedResponseError) as caught:
        client.retrieve_cluster()
    assert caught.value.records_delivered == 0


@pytest.mark.parametrize("server", ["0.4+", "0.7.4"], ids=["envelope", "X-Total-Count"])
@pytest.mark.parametrize("page", [30, 100])
def test_a_count_lower_than_the_records_there_are_loses_none(
    serve_mock: Any, server: str, page: int
) -> None:
    """The count is read to plan the pages; the pages say whether more follow."""
    collection, client = serve_mock(300, server=server)
    collection.count_short_by = 110  # counts 190
    assert _ids(client.retrieve_cluster(filters={"_limit": page}, workers=4)) == list(range(1, 301))
    assert _ids(list(client.iter_cluster(page_size=page, workers=1))) == list(range(1, 301))


@pytest.mark.parametrize("page", [30, 100])
def test_a_record_listed_twice_where_pages_meet_comes_as_the_server_lists_it(
    serve_mock: Any, page: int
) -> None:
    """A filter across a relation may list a record twice; the list is what the server says."""
    collection, client = serve_mock(199)
    collection.records.insert(page, dict(collection.records[page - 1]))  # page's last, twice
    served = _ids(collection.records)
    assert len(served) == 200
    for workers in (1, 4):
        assert _ids(client.retrieve_cluster(filters={"_limit": page}, workers=workers)) == served


def test_identical_records_without_ids_where_pages_meet_all_come(serve_mock: Any) -> None:
    collection, client = serve_mock(0)
    collection.records = [{"name": f"r-{n}"} for n in range(205)]
    collection.records[100] = dict(collection.records[99])  # the same twice, at the edge
    collection.records[30] = collection.records[29] = {"name": "same"}
    for page in (30, 100):
        got = client.retrieve_cluster(filters={"_limit": page}, workers=4)
        assert got == collection.records


def test_a_repeated_record_in_a_list_that_moved_cannot_be_placed_and_says_so(
    serve: Any,
) -> None:
    collection, client = serve(199)
    collection.records.insert(100, dict(collection.records[99]))  # id 100 twice, at the edge

    def shift(n: int, c: Collection) -> None:
        if n == 2:  # after the first page: one record before the edge goes
            del c.records[0]

    collection.on_request = shift
    with pytest.raises(PaginationError, match="repeats id 100 around offset 90") as caught:
        client.retrieve_cluster(filters={"_limit": 100}, workers=1)
    assert caught.value.records_delivered == 100
    assert "read the list again" in str(caught.value)


@pytest.mark.parametrize("with_ids", [True, False], ids=["a repeated id", "identical records"])
def test_a_repeat_that_moved_while_the_count_stayed_is_never_lost_silently(
    serve: Any, with_ids: bool
) -> None:
    """One record gone in front and one added at the end: the count stays, the rows move."""
    collection, client = serve(199)
    if not with_ids:
        collection.records = [{"name": f"r-{n}"} for n in range(199)]
    collection.records.insert(100, dict(collection.records[99]))  # repeated at the edge

    def churn(n: int, c: Collection) -> None:
        if n == 2:
            del c.records[0]
            c.records.append({"id": 10_000, "name": "new"} if with_ids else {"name": "new"})

    collection.on_request = churn
    stayed = collection.records[1:]  # all but the first, which goes after it was read
    try:
        got = client.retrieve_cluster(filters={"_limit": 100}, workers=1)
    except PaginationError as error:
        assert "repeats" in str(error) and error.records_delivered == 100
        return
    assert got[1:200] == stayed  # had it gone on, nothing of what stayed is missing


def test_worker_threads_carry_the_callers_context(serve: Any) -> None:
    job: contextvars.ContextVar[str] = contextvars.ContextVar("job", default="none")
    seen: list[str] = []

    def tag(request: Any, call_next: Any) -> Any:
        seen.append(job.get())
        return call_next(request)

    collection, _ = serve(300)
    client = KeystoneClient(
        collection.url, auth=StaticTokenAuth("k"), server="0.4+", middleware=[tag]
    )
    job.set("nightly-42")
    assert len(client.retrieve_cluster(filters={"_limit": 50}, workers=3)) == 300
    assert len(seen) == len(collection.requests) > 1 and set(seen) == {"nightly-42"}


@pytest.mark.parametrize("workers", [0, -1, 1.5, True, "4"])
def test_bad_workers_are_refused_before_sending(serve_mock: Any, workers: Any) -> None:
    collection, client = serve_mock(10)
    with pytest.raises(ValueError, match="workers="):
        client.retrieve_cluster(workers=workers)
    with pytest.raises(ValueError, match="workers="):
        client.iter_cluster(workers=workers)
    with pytest.raises(TypeError, match="apply to lists"):
        client.retrieve_cluster(1, workers=2)  # type: ignore[call-overload]
    assert collection.requests == []


def test_a_list_without_a_count_follows_its_links(local_server: LocalServer) -> None:
    pages = {
        CLUSTERS: {"next": "/page/2/", "results": [{"id": 1}]},
        "/page/2/": {"next": None, "results": [{"id": 2}]},
    }
    for path, body in pages.items():
        local_server.route("GET", path, Canned(200, {"previous": None, **body}))
    client = KeystoneClient(local_server.url, auth=StaticTokenAuth("k"), server="0.4+")
    assert client.retrieve_cluster() == [{"id": 1}, {"id": 2}]


@pytest.mark.parametrize("seed", range(8))
def test_random_changes_never_lose_or_repeat_a_record_that_stayed(
    serve_mock: Any, seed: int
) -> None:
    """Records added and removed anywhere while the walk runs: every record that was there
    all along comes once and in order, or the walk says it cannot tell (never silently)."""
    rnd = random.Random(seed)
    collection, client = serve_mock(rnd.randint(300, 2_000))
    original = {r["id"] for r in collection.records}
    removed: set[int] = set()
    fresh = itertools.count(10**6)

    def change(n: int, c: Collection) -> None:
        for _ in range(rnd.choice([0, 0, 1, 2])):
            roll = rnd.random()
            if roll < 0.4:
                c.records.insert(rnd.randint(0, len(c.records)), {"id": next(fresh), "name": "in"})
            elif roll < 0.7 and c.records:
                removed.add(c.records.pop(rnd.randrange(len(c.records)))["id"])
            else:
                c.records.append({"id": next(fresh), "name": "end"})

    collection.on_request = change
    try:
        ids = _ids(
            client.retrieve_cluster(
                filters={"_limit": rnd.choice([20, 100])}, workers=rnd.choice([1, 4])
            )
        )
    except PaginationError as error:
        assert error.records_delivered is not None
        return
    stayed = original - removed
    assert len(ids) == len(set(ids))
    assert [pk for pk in ids if pk in stayed] == sorted(stayed)
