"""Which endpoint a resource method uses on the connected release, and what it may send there.

The server's release (``client.server``, found out once) picks its declarations
(:func:`declarations`, out of :mod:`keystone.resources.declared`), and with them the
resource's collection. Everything is checked against that declaration before a request is
made: the resource and the operation must exist on that release (else
:class:`~keystone.UnsupportedError`), and so must every filter name and lookup (else
``ValueError`` with the closest names), every filter value must be one the filter can read,
``search=`` and ``order=`` must be things the release does, and a create or an update may only
send fields the release's schema has. Each rule guards against the same thing: a Keystone
server ignores a query parameter it does not know, a filter value it cannot read and a field
it does not have, and answers as if they had not been sent, so a script that deletes what it
retrieved would delete everything, and a record would be made without the field meant for it.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from keystone._errors import UnsupportedError
from keystone._query import Query, checked_query, encode_value
from keystone._request import Filters
from keystone._servers import Server, ignored_queries, search_fails, search_ignored, version
from keystone.resources._pages import OFFSET_PARAM, PAGE_SIZE_PARAM
from keystone.resources._values import check_value
from keystone.resources.declared import HISTORY, RELEASES
from keystone.resources.spec import Endpoint, Operation, Resource

#: ``order=``: a field name (``"-name"`` for descending) or several, most significant first.
Order = str | Sequence[str]

SEARCH_PARAM = "_search"


_VERBS = {
    Operation.CREATE: "create",
    Operation.RETRIEVE: "read",
    Operation.UPDATE: "change",
    Operation.DELETE: "delete",
}


@functools.cache
def declarations(release: str) -> Mapping[str, Endpoint]:
    """Every endpoint release ``release`` (one of :data:`RELEASES`) declares, by path."""
    if release not in RELEASES:
        raise KeyError(f"the client has no declarations of Keystone {release}")
    wanted = version(release)
    found: dict[str, Endpoint] = {}
    for path, entries in HISTORY.items():
        current = None
        for first, declared in entries:
            if version(first) > wanted:
                break
            current = declared
        if current is not None:
            found[path] = current
    return MappingProxyType(found)


def releases_with(paths: Iterable[str]) -> str:
    """Which known releases declare one of ``paths``, e.g. ``"Keystone 0.6.8 and later"``."""
    paths = tuple(paths)
    having = [r for r in RELEASES if any(p in declarations(r) for p in paths)]
    if not having:
        return "no Keystone release the client knows"
    spans: list[tuple[str, str]] = []
    for release in having:
        index = RELEASES.index(release)
        if spans and RELEASES.index(spans[-1][1]) == index - 1:
            spans[-1] = (spans[-1][0], release)
        else:
            spans.append((release, release))
    parts = []
    for first, last in spans:
        if last == RELEASES[-1]:
            parts.append(f"{first} and later")
        elif first == last:
            parts.append(first)
        else:
            parts.append(f"{first} to {last}")
    return "Keystone " + ", ".join(parts)


def endpoint_for(server: Server, resource: Resource, operation: Operation, method: str) -> Endpoint:
    """The declaration of ``resource`` on ``server``, allowing ``operation``; else
    :class:`~keystone.UnsupportedError` naming the releases that have it."""
    declared = declarations(server.follows)
    path = resource.path_in(declared)
    if path is None:
        verb = method.split("_", 1)[0]
        instead = ""
        if resource.instead:
            other = _resource(resource.instead)
            if other.path_in(declared) is not None:
                instead = f"; use {verb}_{resource.instead} instead"
        raise UnsupportedError(
            f"{method}: {server.describe} has no {resource.plural} ({resource.plural} are on "
            f"{releases_with(resource.paths)}){instead}. Nothing was sent.",
            server=server,
        )
    endpoint = declared[path]
    if not endpoint.allows(operation):
        allowed = ", ".join(_VERBS[op] for op in Operation if op in endpoint.operations)
        raise UnsupportedError(
            f"{method}: {server.describe} does not let clients {_VERBS[operation]} "
            f"{resource.plural} ({path}/ allows: {allowed}). Nothing was sent.",
            server=server,
        )
    return endpoint


def _resource(name: str) -> Resource:
    from keystone.resources.catalog import BY_NAME

    return BY_NAME[name]


def endpoint_at(server: Server, path: str) -> Endpoint | None:
    """The declaration of ``path`` on ``server``'s release, or ``None`` if it has none."""
    return declarations(server.follows).get(path)


def file_fields(resource: Resource) -> tuple[str, ...]:
    """The fields of ``resource`` that some release takes as files (sorted)."""
    files = {
        name
        for release in RELEASES
        for path in resource.paths
        if path in declarations(release)
        for name in declarations(release)[path].files
    }
    return tuple(sorted(files))


# -- fields -------------------------------------------------------------------------------------


def check_fields(
    names: Iterable[Any],
    endpoint: Endpoint,
    server: Server,
    *,
    subject: str,
    method: str,
    update: bool = False,
) -> None:
    """``ValueError`` for the first of ``names`` that a create (or an ``update``) of
    ``endpoint`` on ``server`` does not take: the server would ignore it."""
    known = endpoint.changeable if update else endpoint.fields
    if not known:
        return  # the schema lists no body (a view with no serializer): nothing to check against
    for name in names:
        if name in known:
            continue
        what = "an update" if update else "a create"
        other = endpoint.fields if update else endpoint.changeable
        if isinstance(name, str) and name in other:
            hint = (
                f"{server.describe} lets {what} of {subject} set only "
                + ", ".join(repr(n) for n in sorted(known))
                + "."
            )
        else:
            hint = _closest(str(name), known, "the fields it takes are")
        raise ValueError(
            f"{method}: {name!r} is not a field {what} of {subject} takes on "
            f"{server.describe} ({endpoint.path}/); {hint} The server would ignore it, so "
            "nothing was sent. If the server is newer than this client and has the field, "
            "create the client with check_fields=False."
        )


def _closest(name: str, known: Iterable[str], listing: str) -> str:
    names = sorted(known)
    close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
    if close:
        return "did you mean " + " or ".join(repr(c) for c in close) + "?"
    return f"{listing} " + ", ".join(names) + "."


# -- lists --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListQuery:
    """The query of a list (or of a filtered read), checked and encoded when the call is made.

    ``filters`` are the caller's parameters, each with its value encoded; ``search`` and
    ``order`` the text of ``search=`` and ``order=``; ``page_size`` the ``page_size=``. What
    depends on the server's release (which names it takes, what it calls ordering, whether it
    pages) is checked and applied afterwards, by :func:`bind`, so bad input is refused before
    the first request of all, the one that may find out the release.
    """

    filters: tuple[tuple[str, str], ...] = ()
    search: str | None = None
    order: str | None = None
    page_size: int | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """The names of the caller's parameters."""
        return tuple(name for name, _ in self.filters)


#: The query of a call that gives no filters, search, order or page size.
NO_QUERY = ListQuery()


def list_query(
    filters: Filters | None,
    method: str,
    search: str | None = None,
    order: Order | None = None,
    page_size: int | None = None,
) -> ListQuery:
    """``filters`` plus ``search``, ``order`` and ``page_size``, checked and encoded."""
    if filters is None and search is None and order is None and page_size is None:
        return NO_QUERY
    if filters is not None and not isinstance(filters, Mapping):
        raise TypeError(
            f"{method}: filters must be a mapping such as {{'name': 'cluster-1'}}, "
            f"not {type(filters).__name__} ({filters!r})"
        )
    pairs = []
    for name, value in (filters or {}).items():
        if not isinstance(name, str) or not name:
            raise TypeError(f"{method}: filter names must be non-empty str, not {name!r}")
        if name in (SEARCH_PARAM, "_order", "ordering"):
            what = "search" if name == SEARCH_PARAM else "order"
            raise ValueError(
                f"{method}: give {what}= instead of the {name!r} filter (the client sends it "
                "the way the server's release takes it)"
            )
        try:
            pairs.append((name, encode_value(name, value)))
        except (TypeError, ValueError) as error:
            raise type(error)(f"{method}: {error}") from None
    if page_size is not None:
        if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
            raise ValueError(f"{method}: page_size must be a positive integer, not {page_size!r}")
        if PAGE_SIZE_PARAM in dict(pairs):
            raise ValueError(
                f"{method}: give the page size either as page_size= or as the "
                f"{PAGE_SIZE_PARAM!r} filter, not both"
            )
    return ListQuery(
        filters=tuple(pairs),
        search=None if search is None else _search_text(search, method),
        order=None if order is None else _order_text(order, method),
        page_size=page_size,
    )


def known_parameters(endpoint: Endpoint) -> frozenset[str]:
    """Every parameter a caller may give ``endpoint`` as a filter: its filters, ``_limit``
    (a server that does not page ignores it, which only means every record comes at once)
    and, where it pages, ``_offset``."""
    return _known(endpoint)


@functools.lru_cache(maxsize=512)
def _known(endpoint: Endpoint) -> frozenset[str]:
    controls = {PAGE_SIZE_PARAM, OFFSET_PARAM} if endpoint.paginated else {PAGE_SIZE_PARAM}
    return frozenset(endpoint.filters) | controls


def bind(
    query: ListQuery,
    endpoint: Endpoint,
    server: Server,
    *,
    subject: str,
    method: str,
    check_filters: bool,
    page_size: int | None = None,
) -> Query | None:
    """``query`` as ``endpoint`` on ``server`` takes it, or the reason it cannot be sent.

    Refuses what the release does not do: unknown filter names and values a filter cannot
    read (``ValueError``, unless ``check_filters`` is off), ``search=`` and ``order=`` where the
    endpoint has neither, and any query at all on a list the release answers unfiltered
    (:class:`~keystone.UnsupportedError`). ``page_size`` is the page size to ask for when the
    caller gave none; it is sent only where the release pages. ``subject`` names the records.
    """
    params: list[tuple[str, str]] = list(query.filters)
    asked = query.page_size if query.page_size is not None else page_size
    if query is not NO_QUERY:
        if check_filters and (query.filters or query.search or query.order):
            _check_not_ignored(endpoint, server, subject, method)
        if query.search is not None:
            _check_search(endpoint, server, subject, method)
            params.append((SEARCH_PARAM, query.search))
        if query.order is not None:
            if endpoint.order is None:
                raise _cannot("order", subject, endpoint, server, method)
            params.append((endpoint.order, query.order))
        if check_filters:
            check_filter_names(query.names, endpoint, server, subject, method)
            for name, value in query.filters:
                kind = endpoint.filters.get(name)
                if kind is not None:
                    check_value(name, value, kind, subject=subject, method=method, server=server)
    if asked is not None and endpoint.paginated and PAGE_SIZE_PARAM not in query.names:
        params.append((PAGE_SIZE_PARAM, str(asked)))
    return checked_query(dict(params), method) if params else None


def _check_not_ignored(endpoint: Endpoint, server: Server, subject: str, method: str) -> None:
    if endpoint.path not in ignored_queries(server.version):
        return
    raise UnsupportedError(
        f"{method}: {server.describe} answers the list of {subject} unfiltered, whatever its "
        "query says (a defect of Keystone 0.6.7 to 0.6.12, fixed in 0.6.9.1 for most lists "
        "and in 0.6.13 for notifications and preferences), so the filters, search= or order= "
        "would be ignored and every record returned. Nothing was sent. Read the whole list "
        "and filter it in Python, or upgrade the server; an account whose list this does not "
        "affect (staff, on 0.6.9.1 to 0.6.12) may send it anyway with check_filters=False.",
        server=server,
    )


def _check_search(endpoint: Endpoint, server: Server, subject: str, method: str) -> None:
    """UnsupportedError where ``search=`` would be ignored, or fail, on ``server``'s release."""
    if not endpoint.search:
        raise _cannot("search", subject, endpoint, server, method)
    if endpoint.path in search_ignored(server.version):
        raise UnsupportedError(
            f"{method}: {server.describe} cannot search {subject}: {endpoint.path}/ takes "
            "_search but searches no field, so the server would answer every record. Use "
            "filters instead. Nothing was sent.",
            server=server,
        )
    if endpoint.path in search_fails(server.version):
        raise UnsupportedError(
            f"{method}: {server.describe} cannot search {subject}: its search of "
            f"{endpoint.path}/ names fields the records no longer have, so the server "
            "answers 500. Use filters instead, e.g. {'<field>__contains': '<text>'}. Nothing "
            "was sent.",
            server=server,
        )


def _cannot(what: str, subject: str, endpoint: Endpoint, server: Server, method: str) -> Exception:
    instead = "use filters" if what == "search" else "sort the records in Python"
    param = "_search" if what == "search" else "_order"
    return UnsupportedError(
        f"{method}: {server.describe} cannot {what} {subject} ({endpoint.path}/ takes no "
        f"{param}, so the server would ignore it); {instead} instead. Nothing was sent.",
        server=server,
    )


def check_filter_names(
    names: Iterable[Any],
    endpoint: Endpoint,
    server: Server,
    subject: str,
    method: str,
) -> None:
    """``ValueError`` for the first of ``names`` that ``endpoint`` does not declare.

    A lookup the field has on other releases (``name__not_in`` before 0.9.3) is named as such,
    with the releases that have it. ``subject`` names the records (``"clusters"``).
    """
    known = known_parameters(endpoint)
    for name in names:
        if name in known:
            continue
        elsewhere = [
            r
            for r in RELEASES
            if any(name in e.filters for e in _same_collection(endpoint.path, r))
        ]
        if elsewhere and isinstance(name, str):
            field = name.split("__", 1)[0]
            lookups = sorted(
                f.split("__", 1)[1] for f in endpoint.filters if f.startswith(field + "__")
            )
            hint = f"{server.describe} does not have it (only {_span(elsewhere)} do); " + (
                f"its lookups on {field!r} are " + ", ".join(lookups) + "."
                if lookups
                else f"it has no filters on {field!r}."
            )
        else:
            hint = _closest(str(name), known, "its filters are on the fields")
            if not hint.startswith("did you"):
                hint = "its filters are on the fields " + ", ".join(endpoint.filter_fields) + "."
        raise ValueError(
            f"{method}: {name!r} is not a filter of {subject} on {server.describe} "
            f"({endpoint.path}/); {hint} The server would ignore it and match every record, so "
            "nothing was sent. If the server is newer than this client and knows the filter, "
            "create the client with check_filters=False."
        )


def _same_collection(path: str, release: str) -> list[Endpoint]:
    found = declarations(release).get(path)
    return [] if found is None else [found]


def _span(releases: list[str]) -> str:
    if len(releases) == 1:
        return f"Keystone {releases[0]}"
    if releases[-1] == RELEASES[-1]:
        return f"Keystone {releases[0]} and later"
    return f"Keystone {releases[0]} to {releases[-1]}"


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
        if not isinstance(term, str) or not _is_order_term(term):
            raise ValueError(
                f"{method}: order= term {term!r} is not a field name; give e.g. 'name', "
                "'-name' (descending) or ['team', '-id']"
            )
    return ",".join(terms)


def _is_order_term(term: str) -> bool:
    name = term[1:] if term.startswith("-") else term
    return name.isidentifier() and name.isascii()
