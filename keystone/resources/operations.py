"""The work behind every generated resource method: create, retrieve, iterate, update, delete.

Each function takes the client (anything with ``request`` and ``url``), the
:class:`~keystone.resources.spec.Resource` and the caller's arguments. Arguments are checked
before any request is made, so a bad ``pk`` or filter never reaches the server.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from keystone.errors import NotFoundError
from keystone.query import encode_query
from keystone.request import DEFAULT_TIMEOUT, Params, TimeoutLike
from keystone.requester import Requester
from keystone.resources.bodies import is_missing_record, read_page, read_record
from keystone.resources.keys import record_key
from keystone.resources.pages import PAGE_SIZE_PARAM, NextPages
from keystone.resources.spec import Resource


def _context(resource: Resource, operation: str) -> dict[str, Any]:
    """Per-request context that tells middleware which resource method sent it."""
    return {"kind": "api", "resource": resource.name, "operation": operation}


def _filters(filters: Params | None, method: str) -> dict[str, Any]:
    if filters is None:
        return {}
    if not isinstance(filters, Mapping):
        raise TypeError(
            f"{method}: filters must be a mapping such as {{'name': 'cluster-1'}}, "
            f"not {type(filters).__name__} ({filters!r})"
        )
    params = dict(filters)
    encode_query(params)  # refuses None and unencodable values now, not at the first page
    return params


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
        "POST", resource.endpoint, json=data, timeout=timeout, context=_context(resource, "create")
    )
    return read_record(response)


def retrieve_one(
    client: Requester,
    resource: Resource,
    pk: Any,
    filters: Params | None = None,
    timeout: TimeoutLike = DEFAULT_TIMEOUT,
) -> dict[str, Any] | None:
    """GET one record; ``None`` when the server says it does not exist."""
    method = f"retrieve_{resource.name}"
    key = record_key(pk, method)
    params = _filters(filters, method)
    try:
        response = client.request(
            "GET",
            resource.record_endpoint(key),
            params=params or None,
            timeout=timeout,
            context=_context(resource, "retrieve"),
        )
    except NotFoundError as error:
        if is_missing_record(error):
            return None
        raise
    return read_record(response)


def iterate(
    client: Requester,
    resource: Resource,
    filters: Params | None = None,
    page_size: int | None = None,
    timeout: TimeoutLike = DEFAULT_TIMEOUT,
    *,
    method: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Every matching record, one page in memory at a time.

    Arguments are checked now; the first request is made when the first record is wanted.
    ``page_size`` is sent as ``_limit`` (servers that do not paginate ignore it).
    """
    method = method or f"iter_{resource.name}"
    params = _filters(filters, method)
    if page_size is not None:
        if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
            raise ValueError(f"{method}: page_size must be a positive integer, not {page_size!r}")
        if PAGE_SIZE_PARAM in params:
            raise ValueError(
                f"{method}: give the page size either as page_size= or as the "
                f"{PAGE_SIZE_PARAM!r} filter, not both"
            )
        params[PAGE_SIZE_PARAM] = page_size
    return _walk(client, resource, params, timeout)


def _walk(
    client: Requester, resource: Resource, params: dict[str, Any], timeout: TimeoutLike
) -> Iterator[dict[str, Any]]:
    response = client.request(
        "GET",
        resource.endpoint,
        params=params or None,
        timeout=timeout,
        context=_context(resource, "retrieve"),
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
            links = NextPages(client.url, current_url)
        response = client.request(
            "GET",
            links.resolve(current_url, link),
            timeout=timeout,
            context=_context(resource, "retrieve"),
        )


def retrieve_all(
    client: Requester,
    resource: Resource,
    filters: Params | None = None,
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
        context=_context(resource, "update"),
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
    try:
        client.request(
            "DELETE",
            resource.record_endpoint(key),
            timeout=timeout,
            context=_context(resource, "delete"),
        )
    except NotFoundError as error:
        if raise_not_exists or not is_missing_record(error):
            raise
