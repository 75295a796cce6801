"""Walking a list from its first page to its last: in parallel where it can, else link by link.

The first page says how the rest can be read. A page of a limit/offset list with a ``count``
lets the other pages be read ``workers`` at a time (:class:`~keystone._operations.parallel.
ParallelPages`, which also checks that the collection did not shift under the walk). Other
pages (a server that gives no count, or another kind of link) are read by following each
``next`` link in turn; a plain JSON list (Keystone 0.3.x to 0.7.3) is the whole list at once,
and one with its total in ``X-Total-Count`` (0.7.4, 0.7.5) a page of it. Either
way a ``next`` link is followed only inside the client's own API
(:class:`~keystone.resources._pages.NextPages`), and an error that stops the walk says how
many records had been delivered.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from typing import Any

from keystone._core import Core
from keystone._errors import KeystoneError, PaginationError, shown_url
from keystone._http_errors import HTTPError
from keystone._operations.parallel import ParallelPages, note_delivered
from keystone._operations.records import Page, read_page
from keystone._plans import Plan, Records
from keystone._progress import Progress, ProgressCallback
from keystone._request import Request
from keystone._response import Response
from keystone.resources._pages import NextPages


class LinkSteps:
    """The decisions of a walk from page to page, free of I/O: each page's answer in; its
    records and the URL of the page after it out. :func:`walk` is the plan that asks for
    the pages."""

    def __init__(self, core: Core, paged: bool) -> None:
        self.core = core
        self.paged = paged
        self.delivered = 0
        self._links: NextPages | None = None

    def read(self, response: Response) -> Page:
        """The page ``response`` holds (a :class:`~keystone.KeystoneError` if it is none)."""
        return read_page(response, self.paged)

    def failed(self, error: KeystoneError) -> KeystoneError:
        """``error`` (a page that could not be read), saying how many records had been
        delivered: the first page's says nothing more, as nothing was."""
        if not self.delivered and self._links is None:
            error.records_delivered = 0
            return error
        return note_delivered(error, self.delivered)

    def delivering(self, page: Page) -> list[dict[str, Any]]:
        """The records of ``page``, counted as delivered."""
        self.delivered += len(page.records)
        return page.records

    def after(self, url: str, page: Page) -> str | None:
        """The URL of the page after ``page`` (read from ``url``), ``None`` at the end; a
        :class:`~keystone.PaginationError` when the end cannot be told, or the link is unsafe."""
        if page.unknown_end:
            raise _unknown_end(url, self.delivered)
        return None if page.next is None else self.resolve(url, page.next)

    def resolve(self, url: str, link: str) -> str:
        """``link`` (from the page at ``url``) as the absolute URL to read next, vetted."""
        if self._links is None:
            self._links = NextPages(self.core.base_url, url, self.core.redactor)
        return self._links.resolve(url, link)


def walk(
    core: Core,
    first_page: Callable[[], Request],
    explained: Callable[[HTTPError], None],
    page: Callable[[str], Request],
    workers: int,
    paged: bool = False,
    shown: tuple[ProgressCallback | None, bool] | None = None,
) -> Plan[None]:
    """Every record of the list whose first page is the request ``first_page()`` makes, a
    plan of records; ``page(url)`` makes the request of another page. ``explained(error)``
    says what an error answer to the first page means. ``paged`` says the release pages lists
    in headers (see ``read_page``). ``shown``: the ``(progress, progress_bar)`` told of the
    records as each page arrives, with the list's count as the total where the server gives
    one."""
    progress = None if shown is None else Progress(None, shown[0], shown[1], "record")
    tell = progress.advance if progress is not None else None
    steps = LinkSteps(core, paged)
    with progress if progress is not None else nullcontext():
        try:
            try:
                response = yield first_page()
            except HTTPError as error:
                explained(error)
                raise
            first = steps.read(response)
        except KeystoneError as error:
            steps.failed(error)
            raise
        url = response.url
        del response  # hold the records, not the raw body too
        if tell is not None:
            tell(len(first.records), first.total)
        yield Records(steps.delivering(first))
        link = steps.after(url, first)
        if link is not None and ParallelPages.possible(first, link):
            pages = ParallelPages(first, url, link, page, workers, tell)
            del first  # delivered: from here on only the pages ahead are held
            yield from pages.records()
            if pages.handed_over is None:
                return
            # A page said more records follow than its count allowed: its links lead on.
            url, onward = pages.handed_over
            steps.delivered = pages.delivered
            link = steps.resolve(url, onward)
        else:
            del first
        while link is not None:
            try:
                response = yield page(link)
                current = steps.read(response)
            except KeystoneError as error:  # an error answer, or one that is no page of the list
                raise steps.failed(error) from None
            url = response.url
            del response
            if tell is not None:
                tell(len(current.records), current.total)
            yield Records(steps.delivering(current))
            link = steps.after(url, current)
            del current


def _unknown_end(url: str, delivered: int) -> PaginationError:
    """The error of a full page of a paged list that came without its total."""
    error = PaginationError(
        f"GET {shown_url(url)} answered a full page of a paged list without its total "
        "(X-Total-Count), so the client cannot tell whether more records follow; a proxy "
        "in front of the server may drop the header. Reading the list stopped there: "
        f"{delivered} of its records had been delivered. Let the header through, or read the "
        "list in one page (page_size= larger than its length, up to 1000)."
    )
    error.records_delivered = delivered
    return error
