"""Walking a list from its first page to its last: in parallel where it can, else link by link.

The first page says how the rest can be read. A page of a limit/offset list with a ``count``
lets the other pages be read ``workers`` at a time (:class:`~keystone._resources.parallel.
ParallelPages`, which also checks that the collection did not shift under the walk). Other
pages (a server that gives no count, or another kind of link) are read by following each
``next`` link in turn; a plain JSON list (Keystone 0.3.x) is the whole list at once. Either
way a ``next`` link is followed only inside the client's own API
(:class:`~keystone._resources.pages.NextPages`), and an error that stops the walk says how
many records had been delivered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from keystone._errors import KeystoneError
from keystone._requester import Requester
from keystone._resources.bodies import read_page
from keystone._resources.pages import NextPages
from keystone._resources.parallel import ParallelPages, note_delivered
from keystone._response import Response


def walk(
    client: Requester,
    first_page: Callable[[], Response],
    page: Callable[[str], Response],
    workers: int,
) -> Iterator[dict[str, Any]]:
    """Every record of the list whose first page ``first_page()`` gets; ``page(url)`` gets
    another page."""
    response = first_page()
    first = read_page(response)
    current_url = response.url
    del response  # hold the records, not the raw body too
    yield from first.records
    if first.next is None:
        return
    links = NextPages(client._base_url, current_url, client._redactor)
    link = links.resolve(current_url, first.next)
    if ParallelPages.possible(first, link):
        pages = ParallelPages(first, current_url, link, page, workers)
        del first  # delivered: from here on only the pages ahead are held
        yield from pages.records()
        return
    delivered = len(first.records)
    del first
    while True:
        try:
            response = page(link)
        except KeystoneError as error:
            raise note_delivered(error, delivered) from None
        records, following, _ = read_page(response)
        current_url = response.url
        del response
        delivered += len(records)
        yield from records
        if following is None:
            return
        del records
        link = links.resolve(current_url, following)
