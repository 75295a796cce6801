"""What a resource declaration holds: a name, and where each generation of Keystone keeps it.

A :class:`Resource` is pure data: its name (the suffix of the method names), how the docs
name one record, and the collection path on each generation that has it. What an endpoint
allows (operations, required fields, file fields, filters, search, order) is an
:class:`Endpoint`, read from that generation's OpenAPI schema by ``tools/generate_resources.py``
into :mod:`keystone._resources.declared`.
"""

from __future__ import annotations

import enum
import keyword
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from keystone._servers import Generation

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


@dataclass(frozen=True)
class Endpoint:
    """One collection on one generation of Keystone, as its OpenAPI schema declares it.

    ``operations`` are what the server allows; ``detail`` whether records have a URL of their
    own (``<path>/<id>/``); ``required`` the fields a create must give; ``files`` the fields
    sent as files (multipart); ``filters`` every query parameter that filters the list;
    ``search`` and ``order`` whether it takes ``_search`` and ``_order``; ``paginated``
    whether the list comes in ``{count, next, previous, results}`` pages.
    """

    path: str
    operations: frozenset[Operation]
    detail: bool = True
    required: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    filters: frozenset[str] = frozenset()
    search: bool = False
    order: bool = False
    paginated: bool = False

    def allows(self, operation: Operation) -> bool:
        """Whether this collection offers ``operation``."""
        return operation in self.operations

    @property
    def fields(self) -> list[str]:
        """The fields its filters are on (``name`` for ``name``, ``name__in``...), sorted."""
        return sorted({name.split("__", 1)[0] for name in self.filters})


@dataclass(frozen=True)
class Resource:
    """One Keystone resource, e.g. ``Resource("cluster", "cluster", {V0_3: ..., V0_4: ...})``.

    ``paths`` maps each generation that has the resource to its collection path, without
    slashes at either end (``"allocations/clusters"``). ``instead`` names the resource that
    plays its part on the generations that lack it (``team`` for ``research_group``).
    """

    name: str
    title: str
    paths: Mapping[Generation, str]
    instead: str | None = None

    def __post_init__(self) -> None:
        if not _NAME.match(self.name) or keyword.iskeyword(self.name):
            raise ValueError(
                f"resource name {self.name!r} must be a lower-case identifier such as 'cluster'"
            )
        if not self.paths:
            raise ValueError(f"resource {self.name!r} must name the path of some generation")
        for path in self.paths.values():
            if not _PATH.match(path):
                raise ValueError(
                    f"resource path {path!r} must look like 'allocations/clusters' "
                    "(no leading or trailing slash)"
                )
        object.__setattr__(self, "paths", MappingProxyType(dict(self.paths)))

    @property
    def plural(self) -> str:
        """How messages name several records: ``"teams"``, ``"activity feed entries"``."""
        return plural(self.title)

    @property
    def generations(self) -> tuple[Generation, ...]:
        """The generations that have this resource, oldest first."""
        return tuple(g for g in Generation if g in self.paths)


def plural(title: str) -> str:
    """``"team"`` -> ``"teams"``, ``"activity feed entry"`` -> ``"activity feed entries"``."""
    if title.endswith("y") and title[-2:-1] not in ("a", "e", "i", "o", "u"):
        return title[:-1] + "ies"
    return title + "s"


def record_endpoint(path: str, pk: str) -> str:
    """The endpoint of one record; ``pk`` must already be validated."""
    return f"{path}/{pk}/"
