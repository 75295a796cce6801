"""Which next-page links a walk through a paginated collection may follow.

A page envelope's ``next`` is an absolute URL chosen by the server. The client sends its
credentials with the request for it, so it follows ``next`` only within its own API (same
scheme, host, port and base path) and never twice to the same page.
"""

from __future__ import annotations

from urllib.parse import unquote, urljoin, urlsplit

from keystone._errors import PaginationError
from keystone._redaction import Redactor
from keystone._urls import BaseURL

PAGE_SIZE_PARAM = "_limit"
"""The query parameter newer Keystone servers read as the page size."""
MAX_PAGE_SIZE = 1000
"""The largest page Keystone 0.4 and later serve (a larger ``_limit`` is cut to it): lists are
read in pages of this size unless the caller chooses one, so a walk needs the fewest requests."""


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
