"""Correlation ids: one per client, sent on the wire, and one per call, in the log records.

Every request a client sends carries the client's id in the ``X-KEYSTONE-CID`` header (the
header newer Keystone clients send), so the server's request log can be grouped by the client
that made each request. The id is a default header of the client rather than a middleware: the
client copies its default headers into every request anyway, including the login, refresh and
logout requests it makes itself, so the header costs nothing more per request.

Each call also gets a short request id, generated only when the call is logged, so the records
of one call (the call line, its retries, its wire exchanges) can be told apart from the records
of other calls running at the same time on other threads.
"""

from __future__ import annotations

import os
import uuid

from keystone._headers import Headers

#: The header carrying a client's correlation id.
CID_HEADER = "X-KEYSTONE-CID"


def new_cid() -> str:
    """A new client correlation id: a random UUID in its canonical text form."""
    return str(uuid.uuid4())


def ensure_cid(headers: Headers) -> str:
    """Give ``headers`` one ``X-KEYSTONE-CID`` (in that spelling) and return its value.

    A value the caller already put there (under any spelling of the name) is kept, so a job
    can choose its own id; otherwise a new one is made.
    """
    cid = headers.pop(CID_HEADER, None) or new_cid()
    headers[CID_HEADER] = cid
    return cid


def new_request_id() -> str:
    """A new per-call id: 16 hex digits, random, unique enough to tell concurrent calls apart."""
    return os.urandom(8).hex()
