"""The work behind every generated resource method: create, retrieve, iterate, update, delete.

Each is a plan (:mod:`keystone._plans`), run by the sync and the async client alike. Each
function takes the client's core, the :class:`~keystone.resources.spec.Resource` and the
caller's arguments. The endpoint comes from the server's release
(:mod:`keystone.resources._endpoints`), and arguments are checked, filters encoded and files
read before any request is made, so a bad ``pk``, filter, field or file never reaches the
server. A
record that does not exist is read from the 404 answer itself (the call does not raise for
it), and any other error answer is raised once, as the chain would have, with its message
saying what the server meant when it answered with a web page instead of the API's JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from keystone._core import Core
from keystone._errors import shown_url
from keystone._http_errors import HTTPError, error_for_response
from keystone._operations.files import has_files, multipart
from keystone._operations.parallel import DEFAULT_WORKERS, ITER_WORKERS, check_workers
from keystone._operations.records import (
    is_missing_record,
    read_deleted,
    read_record,
    read_written,
)
from keystone._operations.walk import walk
from keystone._plans import Plan
from keystone._progress import ProgressCallback, check_progress
from keystone._request import CallState, Filters, Request
from keystone._retry_policy import RetryPolicy
from keystone._servers import Paging, Server
from keystone._timeouts import DEFAULT_TIMEOUT, TimeoutLike
from keystone.resources._endpoints import (
    NO_QUERY,
    Order,
    bind,
    check_fields,
    endpoint_for,
    file_fields,
    list_query,
)
from keystone.resources._keys import record_fields, record_key
from keystone.resources._pages import MAX_PAGE_SIZE
from keystone.resources.spec import Endpoint, Operation, Resource, record_endpoint

__all__ = ["Order", "changes", "create", "delete", "every", "listing", "retrieve_one", "update"]


def _checks(core: Core, resource: Resource, method: str) -> dict[str, Any]:
    """The arguments of :func:`bind` that come from the client and the method."""
    return {"subject": resource.plural, "method": method, "check_filters": core.check_filters}


def _state(resource: Resource, operation: str, *, raise_for_status: bool = True) -> CallState:
    """The call state that tells middleware which resource method sent the request."""
    return CallState(resource=resource.name, operation=operation, raise_for_status=raise_for_status)


def _explain(
    error: HTTPError,
    resource: Resource,
    server: Server,
    endpoint: Endpoint,
    searched: bool = False,
) -> None:
    """Say what an error answer means where the server's own words would mislead.

    A 404 web page (not the API's JSON) means the server has no such endpoint: not the
    release the client follows. A 500 web page to a search means the server cannot search
    these records (the search of some lists names fields that are gone, from 0.5.9 to 0.10.9).
    """
    response = error.response
    if error.status_code not in (404, 500) or is_missing_record(response):
        return
    where = f"{error.request.method} " if error.request else ""
    where += shown_url(response.url, error.request)
    if error.status_code == 404:
        error.args = (
            f"{where} returned 404 with a web page, not the API's answer: the server has "
            f"no {endpoint.path}/ endpoint for {resource.plural}. Check that the client's "
            "URL is the API root; if it is, the server is not the release the client "
            f"follows ({server}): check client.server and client.api_version, or give "
            "the release with KeystoneClient(url, server='<release>').",
        )
    elif searched:
        error.args = (
            f"{where} returned 500: this server cannot search {resource.plural} (its "
            "search fails on them). Leave search= out and use filters instead, e.g. "
            "{'<field>__contains': '<text>'}.",
        )


def one_mapping(
    fields: Mapping[str, Any] | None, mapping: Mapping[str, Any] | None, method: str
) -> Mapping[str, Any] | None:
    """The one mapping of a create's fields: given positionally (``fields``) or as ``data=``
    (``mapping``), not both."""
    if mapping is None:
        return fields
    if fields is not None:
        raise TypeError(
            f"{method}: the fields were given as a positional mapping and as data=; give "
            "one mapping (and any other fields as keywords)"
        )
    if not isinstance(mapping, Mapping):
        raise TypeError(
            f"{method}: data must be a mapping of field values, such as {{'name': 'x'}}, "
            f"not {type(mapping).__name__}; or pass the fields as keyword arguments"
        )
    return mapping


def create(
    core: Core,
    resource: Resource,
    fields: Mapping[str, Any] | None,
    more_fields: Mapping[str, Any],
    timeout: TimeoutLike = DEFAULT_TIMEOUT,
    retry: RetryPolicy | None = None,
    mapping: Mapping[str, Any] | None = None,
) -> Plan[dict[str, Any]]:
    """POST the fields as JSON, or as multipart when they include a file; the created record.

    The fields come as one mapping (positional ``fields``, or ``data=`` given here as
    ``mapping``), as keywords (``more_fields``), or both.
    """
    method = f"create_{resource.name}"
    data = record_fields(one_mapping(fields, mapping, method), more_fields, method)
    body: dict[str, Any] = {"json": data}
    files = file_fields(resource)
    if has_files(data, files):  # read now: a file that cannot be read stops the call here
        content, content_type = multipart(data, files, method)
        body = {"data": content, "headers": {"Content-Type": content_type}}
    call = core.begin(method, timeout, retry)  # the deadline starts once the files are read
    server = yield from call.server()
    endpoint = endpoint_for(server, resource, Operation.CREATE, method)
    if core.check_fields:
        check_fields(data, endpoint, server, subject=resource.plural, method=method)
    try:
        response = yield call.request(
            "POST", endpoint.url, state=_state(resource, "create"), **body
        )
    except HTTPError as error:
        _explain(error, resource, server, endpoint)
        raise
    return read_written(response)


def retrieve_one(
    core: Core,
    resource: Resource,
    pk: Any,
    filters: Filters | None = None,
    timeout: TimeoutLike = DEFAULT_TIMEOUT,
    search: str | None = None,
    order: Order | None = None,
    workers: int | None = None,
    retry: RetryPolicy | None = None,
    progress: ProgressCallback | None = None,
    progress_bar: bool = False,
) -> Plan[dict[str, Any] | None]:
    """GET one record; ``None`` when the server says it does not exist."""
    method = f"retrieve_{resource.name}"
    key = record_key(pk, method)
    call = core.begin(method, timeout, retry)
    if search is not None or order is not None or workers is not None:
        raise TypeError(
            f"{method}: search=, order= and workers= apply to lists; leave them out with pk="
        )
    if progress is not None or progress_bar:
        raise TypeError(f"{method}: progress= and progress_bar= apply to lists; leave them out")
    query = list_query(filters, method)
    server = yield from call.server()
    endpoint = endpoint_for(server, resource, Operation.RETRIEVE, method)
    params = None
    if query is not NO_QUERY:
        params = bind(query, endpoint, server, **_checks(core, resource, method))
    response = yield call.request(
        "GET",
        record_endpoint(endpoint.path, key),
        params=params,
        state=_state(resource, "retrieve", raise_for_status=False),
    )
    if response.status_code >= 400:
        if response.status_code == 404 and is_missing_record(response):
            return None
        error = error_for_response(response)
        _explain(error, resource, server, endpoint)
        raise error
    return read_record(response)


def listing(
    core: Core,
    resource: Resource,
    filters: Filters | None = None,
    page_size: int | None = None,
    timeout: TimeoutLike = DEFAULT_TIMEOUT,
    search: str | None = None,
    order: Order | None = None,
    workers: int | None = None,
    retry: RetryPolicy | None = None,
    progress: ProgressCallback | None = None,
    progress_bar: bool = False,
    *,
    method: str | None = None,
    default_workers: int = ITER_WORKERS,
    eager: bool = False,
) -> Plan[Plan[None]]:
    """The walk through every matching record (a plan of records), once the arguments are
    checked and the filters encoded (which may first find out the server's release).

    The walk's first page is a request of this call when the list is read at once
    (``retrieve_``, ``eager``); an iterator's may be asked for much later, and is a call of
    its own. ``page_size`` is sent as ``_limit`` where the release pages its lists (it is not
    sent to the others, which answer every record at once); without it, paged lists are read
    in the largest pages the server serves. ``workers`` pages are read at once where the list
    allows it (see :mod:`keystone._operations.parallel`). ``retry`` is every page's retry
    policy; ``progress`` and ``progress_bar`` are told the records as the pages arrive (see
    :mod:`keystone._progress`).
    """
    method = method or f"iter_{resource.name}"
    call = core.begin(method, timeout, retry)
    check_progress(method, progress, progress_bar)
    workers = default_workers if workers is None else check_workers(workers, method)
    query = list_query(filters, method, search, order, page_size)
    server = yield from call.server()
    endpoint = endpoint_for(server, resource, Operation.RETRIEVE, method)
    params = bind(
        query, endpoint, server, page_size=MAX_PAGE_SIZE, **_checks(core, resource, method)
    )

    def first_page() -> Request:
        first = call if eager else core.begin(method, call.timeout, call.retry)
        return first.request("GET", endpoint.url, params=params, state=_state(resource, "retrieve"))

    def explained(error: HTTPError) -> None:
        _explain(error, resource, server, endpoint, search is not None)

    def page(url: str) -> Request:
        each = core.begin(method, call.timeout, call.retry)  # every page: its own deadline
        return each.request("GET", url, state=_state(resource, "retrieve"))

    if workers > 1:
        core.reserve(workers)
    shown = (progress, progress_bar) if progress is not None or progress_bar else None
    paged = server.paging is Paging.HEADERS
    return walk(core, first_page, explained, page, workers, paged, shown)


def every(
    core: Core,
    resource: Resource,
    filters: Filters | None = None,
    timeout: TimeoutLike = DEFAULT_TIMEOUT,
    search: str | None = None,
    order: Order | None = None,
    workers: int | None = None,
    retry: RetryPolicy | None = None,
    progress: ProgressCallback | None = None,
    progress_bar: bool = False,
) -> Plan[Plan[None]]:
    """:func:`listing` for ``retrieve_`` without ``pk``: every page read at once (``workers``
    at a time where the list allows it), the first as part of this call."""
    return listing(
        core,
        resource,
        filters,
        None,
        timeout,
        search,
        order,
        workers,
        retry,
        progress,
        progress_bar,
        method=f"retrieve_{resource.name}",
        default_workers=DEFAULT_WORKERS,
        eager=True,
    )


def changes(data: object, fields: Mapping[str, Any], method: str) -> dict[str, Any]:
    """The fields an update sends: the ``data`` mapping (if any) merged with the keyword
    ``fields``, checked before any request.

    A field given both ways with the same value is sent once; with different values it is a
    ``TypeError`` naming the field (which one was meant is not ours to guess; the values are
    not shown, as they may be secrets). No field at all is a ``TypeError`` too: a PATCH without
    fields would change nothing and only read the record back.
    """
    if data is None:
        merged: dict[str, Any] = {}
    elif isinstance(data, Mapping):
        merged = dict(data)
    else:
        raise TypeError(
            f"{method}: data must be a mapping of the fields to change, such as "
            f"{{'description': 'Updated'}}, not {type(data).__name__}; or give the fields as "
            "keywords, such as description='Updated'"
        )
    for name, value in fields.items():
        if name in merged and not _same(merged[name], value):
            raise TypeError(
                f"{method}: field {name!r} given twice with different values, in data and as a "
                "keyword; give it once"
            )
        merged[name] = value
    if not merged:
        raise TypeError(
            f"{method}: no fields to change; give them as keywords, such as "
            f"{method}(pk, description='Updated'), or as data={{'description': 'Updated'}}"
        )
    return merged


def _same(first: Any, second: Any) -> bool:
    """Whether two values of one field are the same (a comparison that fails, as numpy arrays'
    does, counts as different)."""
    if first is second:
        return True
    try:
        return bool(first == second)
    except Exception:
        return False


def update(
    core: Core,
    resource: Resource,
    pk: Any,
    data: Mapping[str, Any] | None,
    fields: Mapping[str, Any],
    timeout: TimeoutLike = DEFAULT_TIMEOUT,
    retry: RetryPolicy | None = None,
) -> Plan[dict[str, Any]]:
    """PATCH the given fields (the ``data`` mapping and the keyword ``fields``, see
    :func:`changes`), as multipart when they include a file; the updated record."""
    method = f"update_{resource.name}"
    key = record_key(pk, method)
    sent = changes(data, fields, method)
    body: dict[str, Any] = {"json": sent}
    files = file_fields(resource)
    if has_files(sent, files):  # a new file, as create sends one: read now, before the call
        content, content_type = multipart(sent, files, method)
        body = {"data": content, "headers": {"Content-Type": content_type}}
    call = core.begin(method, timeout, retry)
    server = yield from call.server()
    endpoint = endpoint_for(server, resource, Operation.UPDATE, method)
    if core.check_fields:
        check_fields(sent, endpoint, server, subject=resource.plural, method=method, update=True)
    try:
        response = yield call.request(
            "PATCH",
            record_endpoint(endpoint.path, key),
            state=_state(resource, "update"),
            **body,
        )
    except HTTPError as error:
        _explain(error, resource, server, endpoint)
        raise
    return read_written(response)


def delete(
    core: Core,
    resource: Resource,
    pk: Any,
    raise_not_exists: bool = False,
    timeout: TimeoutLike = DEFAULT_TIMEOUT,
    retry: RetryPolicy | None = None,
) -> Plan[None]:
    """DELETE one record; a missing record is ignored unless ``raise_not_exists``."""
    method = f"delete_{resource.name}"
    key = record_key(pk, method)
    call = core.begin(method, timeout, retry)
    server = yield from call.server()
    endpoint = endpoint_for(server, resource, Operation.DELETE, method)
    response = yield call.request(
        "DELETE",
        record_endpoint(endpoint.path, key),
        state=_state(resource, "delete", raise_for_status=False),
    )
    if response.status_code >= 400:
        if response.status_code == 404 and is_missing_record(response) and not raise_not_exists:
            return
        error = error_for_response(response)
        _explain(error, resource, server, endpoint)
        raise error
    read_deleted(response)
