"""What the errors and the body readers need of a response, as a protocol.

:class:`~keystone.Response` satisfies it. The errors carry responses and the response raises
errors; typing the errors against this protocol (rather than importing the response module)
keeps the dependency one way: the response module builds on the errors, never the reverse.
"""

from __future__ import annotations

import datetime
from collections.abc import MutableMapping
from typing import Any, Protocol

from keystone._request import Request


class Answer(Protocol):
    """A server's answer: :class:`keystone.Response` is the one the client makes."""

    status_code: int
    reason: str
    url: str
    content: bytes
    headers: MutableMapping[str, str]
    request: Request | None
    elapsed: datetime.timedelta

    @property
    def ok(self) -> bool: ...

    @property
    def encoding(self) -> str | None: ...

    @property
    def text(self) -> str: ...

    def json(self, **kwargs: Any) -> Any: ...
