"""Lists paged as Keystone 0.7.4 and 0.7.5 page them: a JSON list, the totals in headers.

From 0.8.0 on the server answers the ``{count, next, previous, results}`` envelope
(:class:`keystone.testing.server.pagination.LimitOffsetPages`); before 0.7.4 it answers every
record at once.
"""

from __future__ import annotations

from typing import Any

from rest_framework.response import Response

from keystone.testing.server.pagination import LimitOffsetPages


class HeaderPages(LimitOffsetPages):
    """``_limit`` records from ``_offset`` as a plain list, with ``X-Total-Count``, ``X-Limit``
    and ``X-Offset`` (``plugins/pagination.py`` of 0.7.4)."""

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            data,
            headers={
                "X-Total-Count": str(self.count),
                "X-Limit": str(self.limit),
                "X-Offset": str(self.offset),
            },
        )
