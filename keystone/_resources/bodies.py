"""Reading the bodies of resource responses: one record, or one page of a list.

Keystone 0.3.26 answers a list endpoint with a JSON array of every record; newer servers answer
with a page envelope ``{count, next, previous, results}``. Both are accepted here, so the
resource methods work against either.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from keystone._answer import Answer
from keystone._errors import UnexpectedResponseError, shown_url
from keystone._response import Response


def read_record(response: Response) -> dict[str, Any]:
    """The JSON object a create, retrieve or update answered with."""
    body = _decode(response)
    if isinstance(body, dict):
        return body
    raise UnexpectedResponseError(
        f"{_where(response)} returned {_shape(body)}; expected one record (a JSON object). "
        "Check that the URL is the Keystone API root.",
        response=response,
    )


class Page(NamedTuple):
    """One list answer: its records, its raw ``next`` link and the ``count`` it announced
    (``total``). A plain JSON list (Keystone 0.3.x) is one page without a link or a total.
    """

    records: list[dict[str, Any]]
    next: str | None
    total: int | None


def read_page(response: Response) -> Page:
    """The records of one list response, its ``next`` link (``None`` on the last page), and
    the total ``count`` the server announced (``None`` if it did not).

    The body's bytes are released as they are decoded (``Response.take_json``): a list of
    100k records then peaks at the memory of the records, not records plus body.
    """
    body = _decode(response, release=True)
    if isinstance(body, list):
        return Page(body, None, None)
    if isinstance(body, dict) and isinstance(body.get("results"), list) and "next" in body:
        link = body["next"]
        count = body.get("count")
        count = count if isinstance(count, int) and not isinstance(count, bool) else None
        if link is None or link == "":
            return Page(body["results"], None, count)
        if isinstance(link, str):
            return Page(body["results"], link, count)
    raise UnexpectedResponseError(
        f"{_where(response)} returned {_shape(body)}; expected a JSON list of records or a "
        "page {count, next, previous, results}. Check that the URL is the Keystone API root.",
        response=response,
    )


def is_missing_record(response: Answer) -> bool:
    """Whether a 404 came from the API itself (a record that does not exist).

    Django REST framework answers a missing record with a JSON ``detail``; an unknown URL (a
    wrong base path, a proxy) gets an HTML page. Only the first means "no such record": the
    second is an error worth raising even where a missing record is not.
    """
    return "json" in response.headers.get("Content-Type", "")


def read_deleted(response: Response) -> None:
    """Check that a DELETE's success answer is the API's (204, or JSON), not a page or redirect.

    A proxy's login page answering 200, or a redirect, would otherwise read as "deleted" while
    nothing was.
    """
    _refuse_redirect(response)
    if response.content and "json" not in response.headers.get("Content-Type", ""):
        kind = response.headers.get("Content-Type") or "no Content-Type"
        raise UnexpectedResponseError(
            f"{_where(response)} answered with a {kind} body, not the API's empty 204: the "
            "record was probably not deleted. Check that the URL is the Keystone API root and "
            "that no proxy or login page answers in its place.",
            response=response,
        )


def _refuse_redirect(response: Response) -> None:
    if 300 <= response.status_code < 400:
        location = response.headers.get("Location")
        to = f"to {shown_url(location, response.request)!r}" if location else "without a Location"
        raise UnexpectedResponseError(
            f"{_where(response)} is a redirect {to}; the client does not follow redirects "
            "(a POST would turn into a GET and lose its body, and credentials must not follow "
            "it elsewhere). Give the client the URL the server redirects to (http vs https, "
            "the API's base path).",
            response=response,
        )


def _decode(response: Response, *, release: bool = False) -> Any:
    _refuse_redirect(response)
    if not response.content:
        raise UnexpectedResponseError(
            f"{_where(response)} returned an empty body; expected JSON.", response=response
        )
    return response.take_json() if release else response.json()


def _where(response: Response) -> str:
    method = response.request.method if response.request is not None else "request to"
    return f"{method} {shown_url(response.url, response.request)} ({response.status_code})"


def _shape(body: Any) -> str:
    if isinstance(body, dict):
        keys = ", ".join(sorted(str(key) for key in body)[:6])
        return f"an object with keys {{{keys}}}"
    return f"a JSON {type(body).__name__}"
