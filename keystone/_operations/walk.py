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

from collections.abc import Callable, Iterator
from contextlib import nullcontext
from typing import Any

from keystone._core import Core
from keystone._errors import KeystoneError, PaginationError, shown_url
from keystone._operations.bodies import read_page
from keystone._operations.parallel import ParallelPages, note_delivered
from keystone._progress import Progress, ProgressCallback
from keystone._response import Response
from keystone.resources._pages import NextPages


def walk(
    core: Core,
    first_page: Callable[[], Response],
    page: Callable[[str], Response],
    workers: int,
    paged: bool = False,
    shown: tuple[ProgressCallback | None, bool] | None = None,
) -> Iterator[dict[str, Any]]:
    """Every record of the list whose first page ``first_page()`` gets; ``page(url)`` gets
    another page. ``paged`` says the release pages lists in headers (see ``read_page``).
    ``shown``: the ``(progress, progress_bar)`` told of the records as each page arrives, with
    the list's count as the total where the server gives one."""
    progress = None if shown is None else Progress(None, shown[0], shown[1], "record")
    with progress if progress is not None else nullcontext():
        tell = progress.advance if progress is not None else None
        try:
            response = first_page()
            first = read_page(response, paged)
        except KeystoneError as error:
            error.records_delivered = 0
            raise
        current_url = response.url
        del response  # hold the records, not the raw body too
        if tell is not None:
            tell(len(first.records), first.total)
        yield from first.records
        if first.unknown_end:
            raise _unknown_end(current_url, len(first.records))
        if first.next is None:
            return
        links = NextPages(core.base_url, current_url, core.redactor)
        link = links.resolve(current_url, first.next)
        delivered = len(first.records)
        if ParallelPages.possible(first, link):
            pages = ParallelPages(first, current_url, link, page, workers, tell)
            del first  # delivered: from here on only the pages ahead are held
            yield from pages.records()
            if pages.handed_over is None:
                return
            # A page said more records follow than its count allowed: its links lead on.
            current_url, onward = pages.handed_over
            delivered = pages.delivered
            link = links.resolve(current_url, onward)
        else:
            del first
        while True:
            try:
                response = page(link)
                records, following, total, unknown_end = read_page(response, paged)
            except KeystoneError as error:  # an error answer, or one that is no page of the list
                raise note_delivered(error, delivered) from None
            current_url = response.url
            del response
            delivered += len(records)
            if tell is not None:
                tell(len(records), total)
            yield from records
            if unknown_end:
                raise _unknown_end(current_url, delivered)
            if following is None:
                return
            del records
            link = links.resolve(current_url, following)


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
