"""What a resource declaration holds: a name, a collection path and the operations it allows.

A :class:`Resource` is pure data. :mod:`keystone._resources.catalog` lists Keystone's resources;
:mod:`generate_resources` turns that list into the typed methods of
:class:`~keystone._resources.methods.ResourceMethods`, and :mod:`keystone._resources.operations`
does the work those methods delegate to.
"""

from __future__ import annotations

import enum
import keyword
import re
from dataclasses import dataclass

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
class Resource:
    """One Keystone collection, e.g. ``Resource("cluster", "allocations/clusters", ...)``.

    ``name`` is the suffix of the method names (``create_cluster``); ``path`` is the collection
    under the API root, without slashes at either end (records live at ``<path>/<id>/``).
    ``title`` is how the documentation names one record ("allocation request"), and
    ``required`` lists the fields the server requires on create, for the docstrings only: the
    server remains the judge of what is valid.
    """

    name: str
    path: str
    title: str
    operations: frozenset[Operation] = CRUD
    required: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not _NAME.match(self.name) or keyword.iskeyword(self.name):
            raise ValueError(
                f"resource name {self.name!r} must be a lower-case identifier such as 'cluster'"
            )
        if not _PATH.match(self.path):
            raise ValueError(
                f"resource path {self.path!r} must look like 'allocations/clusters' "
                "(no leading or trailing slash)"
            )
        if Operation.RETRIEVE not in self.operations:
            raise ValueError(f"resource {self.name!r} must at least allow retrieving records")

    @property
    def endpoint(self) -> str:
        """The collection endpoint, relative to the API root (``allocations/clusters/``)."""
        return f"{self.path}/"

    def record_endpoint(self, pk: str) -> str:
        """The endpoint of one record; ``pk`` must already be validated."""
        return f"{self.path}/{pk}/"

    def allows(self, operation: Operation) -> bool:
        """Whether this resource offers ``operation``."""
        return operation in self.operations
