"""Reading the bodies of resource responses: one record, or one page of a list.

Keystone answers a list in one of three ways, by release: a JSON array of every record (0.3.x
to 0.7.3); a JSON array of one page, the total in ``X-Total-Count`` (0.7.4 and 0.7.5); a page
envelope ``{count, next, previous, results}`` (0.8.0 on). Each is read by its own signals, so a
walk ends only where the server says the list ends, whatever release the client expected.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from keystone._answer import Answer
from keystone._errors import AnsweredOutcomeUnknownError, UnexpectedResponseError, shown_url
from keystone._media import has_json_body
from keystone._response import Response
from keystone.resources._pages import asked_page, page_url


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


def read_written(response: Response) -> dict[str, Any]:
    """The record a create or update answered with.

    A success answer that is not a record (a proxy's page, a cut body) leaves the write's
    outcome unknown, and says so: the change was probably applied.
    """
    try:
        return read_record(response)
    except UnexpectedResponseError as error:
        if not 200 <= response.status_code < 300:
            raise  # a redirect: the client did not follow it, nothing was written there
        raise unknown_outcome(str(error), response) from None


def unknown_outcome(what: str, response: Response) -> AnsweredOutcomeUnknownError:
    """The error of a write whose success answer does not say what it did."""
    return AnsweredOutcomeUnknownError(
        f"{what} It answered {response.status_code}, a success, so the change was probably "
        "applied, but what it did cannot be read from the answer: look on the server (for "
        "example with retrieve_...(filters=...)) before sending it again.",
        response=response,
        request=response.request,
    )


class Page(NamedTuple):
    """One list answer: its records, its raw ``next`` link and the ``count`` it announced
    (``total``). A plain JSON list of every record is one page without a link or a total.
    ``unknown_end`` marks a full page of a paged list that gave no total: whether more follow
    cannot be told.
    """

    records: list[dict[str, Any]]
    next: str | None
    total: int | None
    unknown_end: bool = False


def read_page(response: Response, paged: bool = False) -> Page:
    """The records of one list response, its ``next`` link (``None`` on the last page), and
    the total ``count`` the server announced (``None`` if it did not).

    ``paged`` says that the server's release pages its lists in headers: there, a JSON list
    as long as the page asked for but without ``X-Total-Count`` (a proxy may drop headers)
    cannot be told from a complete list, and is marked ``unknown_end``. The body's bytes are
    released as they are decoded (``Response.take_json``): a list of 100k records then peaks
    at the memory of the records, not records plus body.
    """
    body = _decode(response, release=True)
    if isinstance(body, list):
        return _listed(response, body, paged)
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


def _number(text: str | None) -> int | None:
    text = (text or "").strip()
    return int(text) if text.isascii() and text.isdigit() else None


def _listed(response: Response, records: list[Any], paged: bool) -> Page:
    """A JSON list: the whole list, or one page of it with the total in ``X-Total-Count``."""
    asked_offset, asked_limit = asked_page(response.url)
    total = _number(response.headers.get("X-Total-Count"))
    if total is None:
        full = asked_limit is not None and len(records) >= asked_limit
        return Page(records, None, None, unknown_end=paged and full)
    offset = _number(response.headers.get("X-Offset"))
    limit = _number(response.headers.get("X-Limit"))
    offset = offset if offset is not None else asked_offset
    limit = limit or asked_limit or len(records)
    # A full page that reaches the total may not be the last: a total lower than the records
    # there are (a stale count) looks the same. The next page, empty or not, tells; the list
    # ends at a page that is not full.
    if not records or (offset + len(records) >= total and len(records) < limit):
        return Page(records, None, total)
    return Page(records, page_url(response.url, offset + limit, limit), total)


def is_missing_record(response: Answer) -> bool:
    """Whether a 404 came from the API itself (a record that does not exist).

    Django REST framework answers a missing record with a JSON ``detail``; an unknown URL (a
    wrong base path, a proxy) gets an HTML page. Only the first means "no such record": the
    second is an error worth raising even where a missing record is not.
    """
    return has_json_body(response.headers)


def read_deleted(response: Response) -> None:
    """Check that a DELETE's success answer is the API's (204, or JSON), not a page or redirect.

    A proxy's login page answering 200, or a redirect, would otherwise read as "deleted" while
    nothing was.
    """
    _refuse_redirect(response)
    if response.content and not has_json_body(response.headers):
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
