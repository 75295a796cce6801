"""Which endpoint a resource method uses on the connected server, and what it may send there.

The server's generation (``client.server``, found out once) picks the resource's collection
and its declaration (:mod:`keystone._resources.declared`). Everything is checked against that
declaration before a request is made: the resource and the operation must exist on that
generation (else :class:`~keystone.UnsupportedError`), and so must every filter name (else
``ValueError`` with the closest names), ``search=`` and ``order=``. A filter the server does
not know is not an error on the server's side: it ignores it and matches every record, which
in a script that deletes what it retrieved deletes everything.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from keystone._errors import UnsupportedError
from keystone._query import Query, checked_query
from keystone._request import Filters
from keystone._requester import Requester
from keystone._resources.declared import DECLARED
from keystone._resources.pages import PAGE_SIZE_PARAM
from keystone._resources.spec import Endpoint, Operation, Resource
from keystone._servers import Generation

#: ``order=``: a field name (``"-name"`` for descending) or several, most significant first.
Order = str | Sequence[str]

SEARCH_PARAM = "_search"
ORDER_PARAM = "_order"
OFFSET_PARAM = "_offset"
#: One ordering term: a field, or a field of a related record (``team__name``), maybe with ``-``.
_ORDER_TERM = re.compile(r"-?[A-Za-z_][A-Za-z0-9_]*\Z")

_VERBS = {
    Operation.CREATE: "create",
    Operation.RETRIEVE: "read",
    Operation.UPDATE: "change",
    Operation.DELETE: "delete",
}


def endpoint_for(
    client: Requester, resource: Resource, operation: Operation, method: str
) -> tuple[Generation, Endpoint]:
    """The server's generation and the declaration of ``resource`` there, or UnsupportedError.

    Finding out the generation costs one request the first time a client needs it.
    """
    generation = client.server
    path = resource.paths.get(generation)
    if path is None:
        verb = method.split("_", 1)[0]
        instead = f"; use {verb}_{resource.instead} instead" if resource.instead else ""
        raise UnsupportedError(
            f"{method}: {generation.describe} servers have no {resource.plural}{instead}. "
            "Nothing was sent.",
            generation=generation,
        )
    endpoint = declared(generation, path)
    if not endpoint.allows(operation):
        allowed = ", ".join(_VERBS[op] for op in Operation if op in endpoint.operations)
        raise UnsupportedError(
            f"{method}: {generation.describe} servers do not let clients {_VERBS[operation]} "
            f"{resource.plural} ({path}/ allows: {allowed}). Nothing was sent.",
            generation=generation,
        )
    return generation, endpoint


def declared(generation: Generation, path: str) -> Endpoint:
    """The declaration of ``path`` on ``generation`` (``KeyError`` if it has none)."""
    return DECLARED[generation.schema][path]


def has_endpoint(generation: Generation, path: str) -> bool:
    """Whether ``generation``'s schema declares ``path``."""
    return path in DECLARED[generation.schema]


def file_fields(resource: Resource) -> tuple[str, ...]:
    """The fields of ``resource`` that some generation takes as files (sorted)."""
    return tuple(sorted({f for g, path in resource.paths.items() for f in declared(g, path).files}))


@functools.lru_cache(maxsize=256)
def known_parameters(endpoint: Endpoint) -> frozenset[str]:
    """Every query parameter ``endpoint`` declares: its filters and its list controls.

    ``_limit`` is always allowed: a server that does not paginate ignores it, which only means
    every record comes at once. Kept per endpoint: a list call checks its filter names against
    it, and the users' endpoint alone declares 140.
    """
    controls = {PAGE_SIZE_PARAM, OFFSET_PARAM} if endpoint.paginated else {PAGE_SIZE_PARAM}
    if endpoint.search:
        controls.add(SEARCH_PARAM)
    if endpoint.order:
        controls.add(ORDER_PARAM)
    return endpoint.filters | controls


@dataclass(frozen=True)
class ListQuery:
    """The query of a list (or of a filtered read), checked and encoded when the call is made.

    ``filters`` are the names the caller gave; ``controls`` the ``search=``/``order=``
    parameters the endpoint must take. What depends on the server's generation is checked
    afterwards, by :func:`check_list`, so bad input is refused before the first request of
    all, the one that may find out the generation.
    """

    filters: tuple[str, ...]
    controls: tuple[str, ...]
    query: Query | None


#: The query of a call that gives no filters, search, order or page size.
NO_QUERY = ListQuery((), (), None)


def list_query(
    filters: Filters | None,
    method: str,
    search: str | None = None,
    order: Order | None = None,
    page_size: int | None = None,
) -> ListQuery:
    """``filters`` plus ``search``, ``order`` and ``page_size`` as one checked query."""
    if filters is None and search is None and order is None and page_size is None:
        return NO_QUERY
    if filters is not None and not isinstance(filters, Mapping):
        raise TypeError(
            f"{method}: filters must be a mapping such as {{'name': 'cluster-1'}}, "
            f"not {type(filters).__name__} ({filters!r})"
        )
    params: dict[str, Any] = {} if filters is None else dict(filters)
    names = tuple(params)
    for name in names:
        if not isinstance(name, str) or not name:
            raise TypeError(f"{method}: filter names must be non-empty str, not {name!r}")
    controls = []
    for value, param, what in ((search, SEARCH_PARAM, "search"), (order, ORDER_PARAM, "order")):
        if value is None:
            continue
        if param in params:
            raise ValueError(f"{method}: give {what}= or the {param!r} filter, not both")
        params[param] = (
            _search_text(value, method) if what == "search" else _order_text(value, method)
        )
        controls.append(param)
    if page_size is not None:
        if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
            raise ValueError(f"{method}: page_size must be a positive integer, not {page_size!r}")
        if PAGE_SIZE_PARAM in params:
            raise ValueError(
                f"{method}: give the page size either as page_size= or as the "
                f"{PAGE_SIZE_PARAM!r} filter, not both"
            )
        params[PAGE_SIZE_PARAM] = page_size
    return ListQuery(names, tuple(controls), checked_query(params, method) if params else None)


def with_page_size(query: ListQuery, size: int) -> ListQuery:
    """``query`` asking for pages of ``size`` records (it must not name a page size yet)."""
    page = f"{PAGE_SIZE_PARAM}={size}"
    text = page if query.query is None else f"{query.query}&{page}"
    return ListQuery(query.filters, query.controls, Query(text))


def check_list(
    query: ListQuery,
    endpoint: Endpoint,
    generation: Generation,
    *,
    subject: str,
    method: str,
    check_filters: bool,
) -> None:
    """Refuse what ``endpoint`` on ``generation`` does not take: unknown filter names
    (``ValueError``, unless ``check_filters`` is off) and ``search=``/``order=`` where it has
    neither (``UnsupportedError``). ``subject`` names the records (``"clusters"``)."""
    if query is NO_QUERY:
        return
    for param in query.controls:
        if param not in known_parameters(endpoint):
            what = "search" if param == SEARCH_PARAM else "order"
            instead = "use filters" if what == "search" else "sort the records in Python"
            raise UnsupportedError(
                f"{method}: {generation.describe} servers cannot {what} {subject} "
                f"({what}= is sent as {param}, which {endpoint.path}/ does not take); "
                f"{instead} instead. Nothing was sent.",
                generation=generation,
            )
    if check_filters:
        check_filter_names(query.filters, endpoint, generation, subject, method)


def check_filter_names(
    names: Iterable[Any],
    endpoint: Endpoint,
    generation: Generation,
    subject: str,
    method: str,
) -> None:
    """``ValueError`` for the first of ``names`` that ``endpoint`` does not declare.

    ``subject`` is how the message names the records (``"clusters"``).
    """
    known = known_parameters(endpoint)
    for name in names:
        if name in known:
            continue
        close = difflib.get_close_matches(name, sorted(known), n=3, cutoff=0.6)
        if close:
            hint = "did you mean " + " or ".join(repr(c) for c in close) + "?"
        else:
            hint = "its filters are on the fields " + ", ".join(endpoint.fields) + "."
        raise ValueError(
            f"{method}: {name!r} is not a filter of {subject} on "
            f"{generation.describe} ({endpoint.path}/); {hint} The server would ignore it and "
            "match every record, so nothing was sent. If the server is newer than this client "
            "and knows the filter, create the client with check_filters=False."
        )


def _search_text(search: object, method: str) -> str:
    if not isinstance(search, str):
        raise TypeError(f"{method}: search= must be a str, not {type(search).__name__}")
    if not search.strip():
        raise ValueError(
            f"{method}: search={search!r} is empty; the server would ignore it and match every "
            "record. Leave search= out, or give the text to look for"
        )
    return search


def _order_text(order: object, method: str) -> str:
    terms = [order] if isinstance(order, str) else order
    if not isinstance(terms, Sequence) or isinstance(terms, bytes) or not terms:
        raise TypeError(
            f"{method}: order= must be a field name such as '-name' or a list of them, "
            f"not {order!r}"
        )
    for term in terms:
        if not isinstance(term, str) or not _ORDER_TERM.match(term):
            raise ValueError(
                f"{method}: order= term {term!r} is not a field name; give e.g. 'name', "
                "'-name' (descending) or ['team', '-id']"
            )
    return ",".join(terms)
