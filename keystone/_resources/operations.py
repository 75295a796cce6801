"""The work behind every generated resource method: create, retrieve, iterate, update, delete.

Each function takes the client (anything with ``request`` and ``_base_url``), the
:class:`~keystone._resources.spec.Resource` and the caller's arguments. Arguments are checked,
and filters encoded, before any request is made, so a bad ``pk`` or filter never reaches the
server. A record that does not exist is read from the 404 answer itself (the call does not
raise for it), and any other error answer is raised once, as the chain would have.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from keystone._http_errors import error_for_response
from keystone._query import Query, checked_query
from keystone._request import CallState, Filters
from keystone._requester import Requester
from keystone._resources.bodies import is_missing_record, read_deleted, read_page, read_record
from keystone._resources.keys import record_key
from keystone._resources.pages import PAGE_SIZE_PARAM, NextPages
from keystone._resources.spec import Resource
from keystone._timeouts import DEFAULT_TIMEOUT, TimeoutLike


def _filters(filters: Filters | None, method: str) -> Filters | None:
    if filters is not None and not isinstance(filters, Mapping):
        raise TypeError(
            f"{method}: filters must be a mapping such as {{'name': 'cluster-1'}}, "
            f"not {type(filters).__name__} ({filters!r})"
        )
    return filters


def _call(resource: Resource, operation: str, *, raise_for_status: bool = True) -> CallState:
    """The call state that tells middleware which resource method sent the request."""
    return CallState(resource=resource.name, operation=operation, raise_for_status=raise_for_status)


def create(
    client: Requester,
    resource: Resource,
    fields: Mapping[str, Any] | None,
    more_fields: Mapping[str, Any],
    timeout: TimeoutLike = DEFAULT_TIMEOUT,
) -> dict[str, Any]:
    """POST the fields as JSON; the created record (201)."""
    method = f"create_{resource.name}"
    data: dict[str, Any] = {}
    if fields is not None:
        if not isinstance(fields, Mapping):
            raise TypeError(
                f"{method}: the positional argument must be a mapping of field values, "
                f"not {type(fields).__name__}; or pass the fields as keyword arguments"
            )
        data.update(fields)
    twice = sorted(set(data) & set(more_fields))
    if twice:
        raise TypeError(
            f"{method}: field(s) {', '.join(twice)} given both in the mapping and as keywords"
        )
    data.update(more_fields)
    response = client.request(
        "POST", resource.endpoint, json=data, timeout=timeout, call=_call(resource, "create")
    )
    return read_record(response)


def retrieve_one(
    client: Requester,
    resource: Resource,
    pk: Any,
    filters: Filters | None = None,
    timeout: TimeoutLike = DEFAULT_TIMEOUT,
) -> dict[str, Any] | None:
    """GET one record; ``None`` when the server says it does not exist."""
    method = f"retrieve_{resource.name}"
    key = record_key(pk, method)
    response = client.request(
        "GET",
        resource.record_endpoint(key),
        params=checked_query(_filters(filters, method), method),
        timeout=timeout,
        call=_call(resource, "retrieve", raise_for_status=False),
    )
    if response.status_code == 404 and is_missing_record(response):
        return None
    if response.status_code >= 400:
        raise error_for_response(response)
    return read_record(response)


def iterate(
    client: Requester,
    resource: Resource,
    filters: Filters | None = None,
    page_size: int | None = None,
    timeout: TimeoutLike = DEFAULT_TIMEOUT,
    *,
    method: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Every matching record, one page in memory at a time.

    Arguments are checked and the filters encoded now; the first request is made when the first
    record is wanted. ``page_size`` is sent as ``_limit`` (servers that do not paginate ignore
    it).
    """
    method = method or f"iter_{resource.name}"
    checked = _filters(filters, method)
    params = None if checked is None else dict(checked)
    if page_size is not None:
        if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
            raise ValueError(f"{method}: page_size must be a positive integer, not {page_size!r}")
        if params and PAGE_SIZE_PARAM in params:
            raise ValueError(
                f"{method}: give the page size either as page_size= or as the "
                f"{PAGE_SIZE_PARAM!r} filter, not both"
            )
        params = {**(params or {}), PAGE_SIZE_PARAM: page_size}
    return _walk(client, resource, checked_query(params, method), timeout)


def _walk(
    client: Requester, resource: Resource, query: Query | None, timeout: TimeoutLike
) -> Iterator[dict[str, Any]]:
    response = client.request(
        "GET", resource.endpoint, params=query, timeout=timeout, call=_call(resource, "retrieve")
    )
    links: NextPages | None = None
    while True:
        records, link = read_page(response)
        current_url = response.url
        del response  # hold one page at a time: the records below, not the raw body too
        yield from records
        if link is None:
            return
        del records
        if links is None:
            links = NextPages(client._base_url, current_url, client._redactor)
        response = client.request(
            "GET",
            links.resolve(current_url, link),
            timeout=timeout,
            call=_call(resource, "retrieve"),
        )


def retrieve_all(
    client: Requester,
    resource: Resource,
    filters: Filters | None = None,
    timeout: TimeoutLike = DEFAULT_TIMEOUT,
) -> list[dict[str, Any]]:
    """Every matching record, following next-page links."""
    return list(
        iterate(client, resource, filters, None, timeout, method=f"retrieve_{resource.name}")
    )


def update(
    client: Requester,
    resource: Resource,
    pk: Any,
    data: Mapping[str, Any],
    timeout: TimeoutLike = DEFAULT_TIMEOUT,
) -> dict[str, Any]:
    """PATCH the given fields; the updated record."""
    method = f"update_{resource.name}"
    key = record_key(pk, method)
    if not isinstance(data, Mapping):
        raise TypeError(
            f"{method}: data must be a mapping of the fields to change, such as "
            f"{{'description': 'Updated'}}, not {type(data).__name__}"
        )
    response = client.request(
        "PATCH",
        resource.record_endpoint(key),
        json=dict(data),
        timeout=timeout,
        call=_call(resource, "update"),
    )
    return read_record(response)


def delete(
    client: Requester,
    resource: Resource,
    pk: Any,
    raise_not_exists: bool = False,
    timeout: TimeoutLike = DEFAULT_TIMEOUT,
) -> None:
    """DELETE one record; a missing record is ignored unless ``raise_not_exists``."""
    key = record_key(pk, f"delete_{resource.name}")
    response = client.request(
        "DELETE",
        resource.record_endpoint(key),
        timeout=timeout,
        call=_call(resource, "delete", raise_for_status=False),
    )
    if response.status_code == 404 and is_missing_record(response) and not raise_not_exists:
        return
    if response.status_code >= 400:
        raise error_for_response(response)
    read_deleted(response)
