"""Reading the pages of a list in parallel: in server order, in a bounded window, checked.

Keystone 0.4 and later page their lists by limit and offset, and the first page announces the
``count``: the offsets of every other page are known at once, so they can be fetched
concurrently on the client's connection pool instead of one ``next`` link after another.

How the walk stays correct while the collection changes under it. Each page after the first
starts a few records early (a tenth of a page, at most 50, at least 1), so that it holds
the last record of the page before, and the walk goes on from wherever that record turns up
in the answer. So each page continues exactly after the
last record delivered: every record that existed for the whole walk (and kept its place in
the order) is delivered once, in the server's order, whatever was added or removed meanwhile.
Records added at the end (new records, in the default order by id) move nothing; records
added in front (newest-first lists such as the activity feed) move the rest back, and the
records a page repeats are skipped; records removed move the rest forward, and the walk looks
for its place one page further back. Only when the records moved so far that the last one is
found in neither answer does the walk give up, with a :class:`~keystone.PaginationError`
saying how many records it had delivered, rather than return a list that may miss some.
Records added or removed during the walk may or may not be in it. A list that repeats a
record (a filter across a relation may), or holds identical records without ids, is walked
by position while its count stays put; if it also moved, the walk says it cannot tell.

The count plans the pages; it does not end the walk on its own. A page that reaches the
count but whose ``next`` link leads on (the count was stale) hands the walk over to those
links, one page after another.

Memory stays bounded: at most ``workers`` pages are requested ahead of the one being read, and
their bodies are kept as bytes until their turn (bytes take a fraction of the decoded records'
memory); a page is decoded only when the records before it have been consumed.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable
from typing import Any

from keystone._errors import KeystoneError, PaginationError, shown_url
from keystone._operations.records import Page, read_page
from keystone._plans import Plan, Records, Start, Wait
from keystone._request import Request
from keystone.resources._pages import OFFSET_PARAM, offset_pages, page_url

#: How many pages ``retrieve_`` reads at once unless told otherwise (``workers=``): the whole
#: list is kept anyway, so the pages in flight add little and speed is what counts.
DEFAULT_WORKERS = 8
#: The same for ``iter_``, which is chosen to keep memory flat: each page in flight is held
#: as the bytes the server sent until its turn, so fewer of them.
ITER_WORKERS = 4

#: The request of one page: the absolute URL in (each page is a call of its own).
Fetch = Callable[[str], Request]


def check_workers(workers: object, method: str) -> int:
    """``workers`` if it is a positive whole number, else ``ValueError`` naming it."""
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(
            f"{method}: workers={workers!r} must be a positive whole number (pages read at "
            "once; 1 reads them one after another)"
        )
    return workers


def note_delivered(error: KeystoneError, delivered: int) -> KeystoneError:
    """``error``, saying that reading the list stopped after ``delivered`` of its records."""
    note = (
        f"(Reading the list stopped there: {delivered} of its records had been delivered; the "
        "rest were not.)"
    )
    message = error.args[0] if error.args else ""
    error.args = (f"{message} {note}".strip(), *error.args[1:])
    error.records_delivered = delivered
    return error


def _key(record: Any) -> Any:
    """A record's ``id``, or ``None`` when it has none."""
    return record.get("id") if isinstance(record, dict) else None


def _same(record: Any, other: Any) -> bool:
    """Whether two records are the same one: by ``id`` where both have one, else whole."""
    key, other_key = _key(record), _key(other)
    if key is not None and other_key is not None:
        return bool(key == other_key)
    return bool(record == other)


class _Ambiguous(Exception):
    """The records that could mark the walk's place appear more than once in a page."""

    def __init__(self, repeated: Any) -> None:
        super().__init__(repeated)
        self.repeated = repeated


def _locate(records: list[dict[str, Any]], expected: int, tail: list[Any]) -> int | None:
    """Where the walk stands in ``records``: the index of the last record delivered.

    ``tail`` holds the last records delivered, oldest first. Where they all still stand as
    they stood (``expected`` is the last one's index by the offsets; -1 when the page was
    read elsewhere), that settles it, even in a list that repeats a record (a filter across
    a relation may list one record twice) or holds records without ids. Elsewhere the
    records are searched for (:func:`_resume_at`); a search that could match more than one
    place raises :class:`_Ambiguous` rather than guess.
    """
    first = expected - len(tail) + 1
    if (
        first >= 0
        and expected < len(records)
        and all(_same(records[first + n], record) for n, record in enumerate(tail))
    ):
        return expected
    found = _resume_at(records, tail)
    if found is not None:
        _check_unique(records, tail)
    return found


def _check_unique(records: list[dict[str, Any]], tail: list[Any]) -> None:
    """Raise :class:`_Ambiguous` if what :func:`_resume_at` matches on is not unique: an id
    the last records delivered share, or that the page lists twice (for records without
    ids, the last record delivered, listed twice)."""
    keys = [_key(record) for record in tail]
    if keys and all(key is not None for key in keys):
        marks = Counter(keys)
        in_page = Counter(key for key in map(_key, records) if key in marks)
        for key in marks:
            if marks[key] > 1 or in_page[key] > 1:
                raise _Ambiguous(key)
        return
    if sum(1 for record in records if _same(record, tail[-1])) > 1:
        raise _Ambiguous(_key(tail[-1]))


def _resume_at(records: list[dict[str, Any]], tail: list[Any]) -> int | None:
    """Where the walk stands in ``records``: the newest delivered record that is still there.

    ``tail`` holds the last records delivered, oldest first. Any of them found by id
    serves: records after the newest one present were not delivered (in a stable order, the
    delivered ones newer than it are gone), so one deletion at a page's edge costs nothing.
    Records without ids are matched whole, on the last one only.
    """
    keys = [_key(record) for record in tail]
    if keys and all(key is not None for key in keys):
        delivered = set(keys)
        for index in range(len(records) - 1, -1, -1):
            if _key(records[index]) in delivered:
                return index
        return None
    return _position(records, tail[-1])


def _position(records: list[dict[str, Any]], record: Any) -> int | None:
    """Where ``record`` is in ``records`` (matched by ``id`` when it has one), or ``None``."""
    key = _key(record)
    for index, candidate in enumerate(records):
        if key is not None and isinstance(candidate, dict):
            if candidate.get("id") == key:
                return index
        elif candidate == record:
            return index
    return None


class ParallelPages:
    """The records after the first page of one list, read ``workers`` pages at a time.

    ``first`` is the first page (already delivered by the caller, ``first_url`` its URL),
    ``link`` its next-page link made absolute and checked to stay inside the API, ``fetch``
    makes the request of one page, ``tell(new records, count)`` is told of each page (for
    progress). Use :meth:`possible` to know whether the list can be read this way.
    :meth:`records` is a plan (:mod:`keystone._plans`): the pages in flight are background
    requests of its driver (threads, or tasks).
    """

    def __init__(
        self,
        first: Page,
        first_url: str,
        link: str,
        fetch: Fetch,
        workers: int,
        tell: Callable[[int, int | None], None] | None = None,
    ) -> None:
        self._total = first.total  # what is kept of the first page: not its records
        self._margin = max(1, min(50, len(first.records) // 10))
        self._tail = first.records[-self._margin :]  # the last records delivered
        self._first_url = first_url
        self._link = link
        self._fetch = fetch
        self._workers = workers
        self._tell = tell  # told of each page's new records, and the count it gave
        self._size = len(first.records)
        announced = offset_pages(link)
        # Where the first page started: 0, or the ``_offset`` the caller gave.
        self._start = 0 if announced is None else max(0, announced[0] - self._size)
        self.delivered = len(first.records)
        """How many records of the list have been handed out so far."""
        self.handed_over: tuple[str, str] | None = None
        """``(page URL, its next link)`` when a page said more records follow than its count
        allowed: the walk goes on from that link, one page after another."""

    @staticmethod
    def possible(first: Page, link: str | None) -> bool:
        """Whether the list answers with a count and pages by offset (so it can go parallel)."""
        return (
            link is not None
            and first.total is not None
            and len(first.records) >= 2
            and offset_pages(link) is not None
        )

    def records(self) -> Plan[None]:
        """The records after the first page, in the server's order.

        Each page is asked for ``margin`` records before the end of the page before, so that
        the last record delivered (or, when it was deleted, the newest of the last ``margin``
        delivered still there) is found in it even if removals moved it a little forward
        (additions in front move it further into the page, which is fine). A page that had to
        be read elsewhere to find the last record again (further back) leaves a gap before the
        page asked after it; a page to fill it is read next.
        """
        size = self._size
        margin = self._margin  # records each page repeats of the page before
        stride = size - margin
        end = self._total or 0  # the collection's size, as the last page read counted it
        last_at, last_total = self._start + size - 1, self._total  # where the last one stood
        window: deque[tuple[int, object]] = deque()  # (offset, the handle of its request)
        frontier = self._start + stride
        while True:
            while len(window) < self._workers and (frontier + margin < end or not window):
                window.append((frontier, (yield self._start_page(frontier))))
                frontier += stride
            asked, handle = window.popleft()
            page, url = yield from self._page(handle)
            offset, records = asked, page.records
            try:
                found = _locate(records, last_at - asked, self._tail)
                if found is None:
                    moved = (page.total or 0) - (last_total or 0)  # since ``last`` was read
                    near = (last_at + moved, last_at)
                    offset, page, url = yield from self._resync(near, asked, page)
                    records = page.records
                    found = _locate(records, -1, self._tail)
                    assert found is not None
            except _Ambiguous as ambiguous:
                raise self._cannot_tell(asked, ambiguous.repeated) from None
            fresh = len(records) - found - 1
            at_end = page.total is not None and offset + size >= page.total
            grew = (page.total or 0) > (last_total or 0)  # added in front, maybe
            if fresh == 0 and len(records) == size and not at_end and not grew:
                raise self._repeated(offset)
            self.delivered += fresh
            if self._tell is not None:
                self._tell(fresh, page.total)
            if fresh:
                self._tail = (self._tail + records[found + 1 :])[-margin:]
            yield Records(records[found + 1 :])
            if len(records) < size or at_end:
                if page.next is not None:  # its count said the end, its link says more
                    self.handed_over = (url, page.next)
                return  # the end of the collection, when this page was read
            last_at, last_total = offset + size - 1, page.total
            end = page.total if page.total is not None else offset + size + 1
            following = window[0][0] if window else frontier
            if last_at - following < margin - 1:  # the next page would start past ``last``
                if window:
                    window.appendleft((offset + stride, (yield self._start_page(offset + stride))))
                else:
                    frontier = offset + stride
            del page, records  # while the next page is decoded, only it is held

    def _start_page(self, offset: int) -> Start:
        """The page at ``offset``, to be read in the background."""
        return Start(self._fetch(page_url(self._link, max(offset, 0), self._size)), self._workers)

    def _page(self, handle: object) -> Plan[tuple[Page, str]]:
        """The page a request answered, and its URL; an error answer, or an answer that is
        no page of a list (a proxy's HTML page), raises saying what was delivered."""
        try:
            response = yield Wait(handle)
            return read_page(response), response.url  # the body is released as it is decoded
        except KeystoneError as error:
            raise note_delivered(error, self.delivered) from None

    def _resync(
        self,
        near: tuple[int, int],
        offset: int,
        page: Page,
    ) -> Plan[tuple[int, Page, str]]:
        """Find the last record delivered (``last``) again after the records moved by more
        than the margin, or raise.

        ``near`` holds where ``last`` should be now: moved by how much the count changed
        between the two answers (records removed before it), or where it was (the answer
        without it was older than the one with it: pages read at once come back in any
        order). The page centred on each is read in turn. If ``last`` is in neither, the walk
        cannot tell what it would miss, and says so.
        """
        for guess in dict.fromkeys(max(0, n - self._size // 2) for n in near):
            again, url = yield from self._page((yield self._start_page(guess)))
            if _locate(again.records, -1, self._tail) is not None:
                return guess, again, url
        raise self._changed(offset, page)

    def _repeated(self, offset: int) -> PaginationError:
        error = PaginationError(
            f"GET {shown_url(self._first_url)}: the page at offset {offset} holds only records "
            "already delivered, although the collection did not grow: the server (or a cache "
            f"in front of it) seems to ignore {OFFSET_PARAM}. The first {self.delivered} "
            "records were delivered; read it in one page (page_size= its count, where the "
            "server allows that), or ask the server's administrators."
        )
        error.records_delivered = self.delivered
        return error

    def _cannot_tell(self, offset: int, repeated: Any) -> PaginationError:
        what = "identical records without an id" if repeated is None else f"id {repeated!r}"
        error = PaginationError(
            f"GET {shown_url(self._first_url)}: the list repeats {what} around offset "
            f"{offset}, where two pages meet, and the records there moved while it was read, so "
            "the walk cannot tell which of the repeats it had delivered. The first "
            f"{self.delivered} records were delivered; read the list again, or narrow it with "
            "filters to records that do not change meanwhile."
        )
        error.records_delivered = self.delivered
        return error

    def _changed(self, offset: int, page: Page) -> PaginationError:
        total = "" if page.total is None else f" (it counts {page.total} now, "
        total += "" if page.total is None else f"{self._total} at the start)"
        error = PaginationError(
            f"GET {shown_url(self._first_url)}: the collection changed too much while it was "
            f"read{total}: the last record delivered is no longer near offset {offset}, so "
            f"the walk cannot tell which records it would skip or repeat. The first "
            f"{self.delivered} records were delivered; read the list again, or narrow it with "
            "filters to records that do not change meanwhile."
        )
        error.records_delivered = self.delivered
        return error
