"""Pages of a list: the links a walk may follow, and the URLs of pages by offset.

A page envelope's ``next`` is an absolute URL chosen by the server. The client sends its
credentials with the request for it, so it follows ``next`` only within its own API (same
scheme, host, port and base path) and never twice to the same page.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, quote, unquote, urljoin, urlsplit, urlunsplit

from keystone._errors import PaginationError
from keystone._redaction import Redactor
from keystone._urls import BaseURL

PAGE_SIZE_PARAM = "_limit"
"""The query parameter Keystone 0.7.4 and later read as the page size."""
OFFSET_PARAM = "_offset"
"""The query parameter Keystone 0.7.4 and later read as where a page starts."""
MAX_PAGE_SIZE = 1000
"""The largest page Keystone 0.4 and later serve (a larger ``_limit`` is cut to it): lists are
read in pages of this size unless the caller chooses one, so a walk needs the fewest requests."""


def offset_pages(link: str) -> tuple[int, int] | None:
    """``(offset, limit)`` of a next-page link that pages by ``_offset`` and ``_limit``."""
    try:
        query = dict(parse_qsl(urlsplit(link).query, keep_blank_values=True))
        offset, limit = int(query[OFFSET_PARAM]), int(query[PAGE_SIZE_PARAM])
    except (KeyError, ValueError):
        return None
    return (offset, limit) if offset >= 0 and limit >= 1 else None


def asked_page(url: str) -> tuple[int, int | None]:
    """``(offset, limit)`` a list request asked for: ``_offset`` (0 if absent, or negative,
    as the server reads it) and ``_limit`` (``None`` if absent or unreadable)."""
    try:
        query = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    except ValueError:
        return 0, None
    offset, limit = query.get(OFFSET_PARAM, ""), query.get(PAGE_SIZE_PARAM, "")
    return (
        max(0, int(offset)) if offset.lstrip("-").isdigit() else 0,
        int(limit) if limit.isdigit() and int(limit) > 0 else None,
    )


def page_url(link: str, offset: int, limit: int) -> str:
    """``link`` with its ``_offset`` and ``_limit`` set (the other parameters left as sent)."""
    parts = urlsplit(link)
    kept = [
        pair
        for pair in parts.query.split("&")
        if pair and pair.split("=", 1)[0] not in (OFFSET_PARAM, PAGE_SIZE_PARAM)
    ]
    kept += [f"{quote(PAGE_SIZE_PARAM)}={limit}", f"{quote(OFFSET_PARAM)}={offset}"]
    return urlunsplit(parts._replace(query="&".join(kept)))


class NextPages:
    """Resolves and vets the next-page links of one walk through a collection.

    Remembers the pages already requested (one URL string per page) so that a server whose
    links form a cycle raises :class:`PaginationError` instead of looping forever.
    """

    def __init__(self, api_root: BaseURL, first_url: str, redactor: Redactor) -> None:
        self._root = api_root
        self._shown = redactor.url
        self._root_path = urlsplit(self._root.url).path
        self._seen = {first_url}

    def resolve(self, current_url: str, link: str) -> str:
        """The absolute URL of the next page, or :class:`PaginationError` if it is unsafe."""
        shown = self._shown(current_url)
        try:
            url = urljoin(current_url, link)
        except ValueError:
            raise PaginationError(
                f"GET {shown} returned a next-page link that is not a valid URL "
                f"({self._shown(link)!r}); it was not followed. The server's pagination is broken."
            ) from None
        if not self._is_inside(url):
            raise PaginationError(
                f"GET {shown} returned a next-page link to {self._shown(url)!r}, outside "
                f"the API at {self._root.url}; it was not followed, so the client's credentials "
                "were not sent there. If the server sits behind a proxy, make it build links "
                "with its public address (e.g. Django's USE_X_FORWARDED_HOST)."
            )
        if url in self._seen:
            raise PaginationError(
                f"GET {shown} returned a next-page link to {self._shown(url)!r}, a page already "
                "read; "
                "stopped to avoid an endless loop. The server's pagination is inconsistent."
            )
        self._seen.add(url)
        return url

    def _is_inside(self, url: str) -> bool:
        if not self._root.is_own_origin(url):
            return False
        try:
            path = urlsplit(url).path
        except ValueError:
            return False
        if any(unquote(segment) in (".", "..") for segment in path.split("/")):
            return False
        return (path if path.endswith("/") else path + "/").startswith(self._root_path)
