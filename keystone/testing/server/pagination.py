"""The optional paginated list mode of newer Keystone servers."""

from __future__ import annotations

from rest_framework.pagination import LimitOffsetPagination


class LimitOffsetPages(LimitOffsetPagination):
    """``{count, next, previous, results}`` pages driven by ``_limit`` and ``_offset``.

    The underscores keep the paging parameters apart from field filters.
    """

    limit_query_param = "_limit"
    offset_query_param = "_offset"
    default_limit = 100
    max_limit = 1000
