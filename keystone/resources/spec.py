"""What a resource declaration holds: a name, and the paths Keystone releases keep it at.

A :class:`Resource` is pure data: its name (the suffix of the method names), how the docs
name one record, and its collection paths. What an endpoint allows on one release
(operations, fields, filters, search, order, paging) is an :class:`Endpoint`, read from that
release's OpenAPI schema (``keystone/testing/schemas/``) by ``tools/generate_resources.py`` into
:mod:`keystone.resources.declared`.
"""

from __future__ import annotations

import enum
import keyword
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_PATH = re.compile(r"^[a-z0-9_-]+(/[a-z0-9_-]+)*$")


class Operation(enum.Enum):
    """One kind of method a resource offers; ``RETRIEVE`` also gives the ``iter_`` method."""

    CREATE = "create"
    RETRIEVE = "retrieve"
    UPDATE = "update"
    DELETE = "delete"


#: Every operation: records can be created, read, changed and removed.
CRUD = frozenset(Operation)
#: Records can only be read (the server's logs).
READ_ONLY = frozenset({Operation.RETRIEVE})


@dataclass(frozen=True, eq=False)
class Endpoint:
    """One collection (or other endpoint) on one Keystone release, as its schema declares it.

    ``operations`` are what the server allows; ``detail`` whether records have a URL of their
    own (``<path>/<id>/``); ``required`` the fields a create must give; ``files`` the fields
    sent as files (multipart); ``fields`` every field a create may send, with the type of its
    value, and ``update_fields`` those an update may send where they differ (``None``: the
    same); ``filters`` every query parameter that filters the list, with the type
    of value it reads (``"integer"``, ``"boolean"``, ``"date"``, ``"choice:AP,DC"``,
    ``"integer[]"``, ...: see ``tools/schema_view.py``); ``search`` whether it takes
    ``_search``; ``order`` the parameter it sorts by (``"_order"``, or ``"ordering"`` on
    Keystone 0.5.0 to 0.5.8), if any; ``paginated`` whether it takes ``_limit`` and
    ``_offset``; ``slash`` whether its URL ends with a slash (every endpoint but a few choices
    of Keystone 0.7.4 to 0.9.2).

    Declarations are shared, never copied: two are the same declaration only if they are the
    same object.
    """

    path: str
    operations: frozenset[Operation]
    detail: bool = True
    required: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    fields: Mapping[str, str] = field(default_factory=dict)
    update_fields: Mapping[str, str] | None = None
    filters: Mapping[str, str] = field(default_factory=dict)
    search: bool = False
    order: str | None = None
    paginated: bool = False
    slash: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "fields", MappingProxyType(dict(self.fields)))
        if self.update_fields is not None:
            object.__setattr__(self, "update_fields", MappingProxyType(dict(self.update_fields)))
        object.__setattr__(self, "filters", MappingProxyType(dict(self.filters)))

    def allows(self, operation: Operation) -> bool:
        """Whether this collection offers ``operation``."""
        return operation in self.operations

    @property
    def changeable(self) -> Mapping[str, str]:
        """The fields an update may send."""
        return self.fields if self.update_fields is None else self.update_fields

    @property
    def url(self) -> str:
        """The endpoint to request, relative to the API root (``"allocations/clusters/"``)."""
        return f"{self.path}/" if self.slash else self.path

    @property
    def filter_fields(self) -> list[str]:
        """The fields its filters are on (``name`` for ``name``, ``name__in``...), sorted."""
        return sorted({name.split("__", 1)[0] for name in self.filters})


@dataclass(frozen=True)
class Resource:
    """One Keystone resource, e.g. ``Resource("cluster", "cluster", ("allocations/clusters",))``.

    ``paths`` are the collection paths releases have kept it at, newest first and without
    slashes at either end (``("users/memberships", "users/membership")``): on a given release
    the resource is at the first of them that release declares, and a release that declares
    none lacks it. ``instead`` names the resource that plays its part on the releases that
    lack it (``team`` for ``research_group``).
    """

    name: str
    title: str
    paths: tuple[str, ...]
    instead: str | None = None

    def __post_init__(self) -> None:
        if not _NAME.match(self.name) or keyword.iskeyword(self.name):
            raise ValueError(
                f"resource name {self.name!r} must be a lower-case identifier such as 'cluster'"
            )
        if isinstance(self.paths, str) or not self.paths:
            raise ValueError(f"resource {self.name!r} must name its collection paths in a tuple")
        for path in self.paths:
            if not _PATH.match(path):
                raise ValueError(
                    f"resource path {path!r} must look like 'allocations/clusters' "
                    "(no leading or trailing slash)"
                )
        object.__setattr__(self, "paths", tuple(self.paths))

    @property
    def plural(self) -> str:
        """How messages name several records: ``"teams"``, ``"activity feed entries"``."""
        return plural(self.title)

    def path_in(self, declared: Mapping[str, Endpoint]) -> str | None:
        """Where ``declared`` (one release's declarations) keeps this resource, if anywhere."""
        for path in self.paths:
            if path in declared:
                return path
        return None


def plural(title: str) -> str:
    """``"team"`` -> ``"teams"``, ``"activity feed entry"`` -> ``"activity feed entries"``."""
    if title.endswith("y") and title[-2:-1] not in ("a", "e", "i", "o", "u"):
        return title[:-1] + "ies"
    return title + "s"


def record_endpoint(path: str, pk: str) -> str:
    """The endpoint of one record; ``pk`` must already be validated."""
    return f"{path}/{pk}/"
