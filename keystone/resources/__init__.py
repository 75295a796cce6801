"""Keystone's resources, declared once: the names, paths and per-release rules the client knows.

Public: :data:`RESOURCES` (every resource the client has methods for, in the order of the
docs), :data:`BY_NAME`, and the declaration types :class:`Resource` (a name and the paths
releases keep it at), :class:`Endpoint` (what one endpoint allows on one release: operations,
fields, filters, search, order, paging) and :class:`Operation`. :mod:`.declared` holds every
release's endpoints, generated from their schemas.

The private modules here read the declarations: which endpoint a method uses on a release and
what it may send there (:mod:`._endpoints`, :mod:`._values`), keys, and page links. What the
resource methods do with them over the client's core is :mod:`keystone._operations` (its
``methods`` are generated from :mod:`.catalog` by ``tools/generate_resources.py``).
"""

from keystone.resources.catalog import BY_NAME, RESOURCES
from keystone.resources.spec import Endpoint, Operation, Resource

__all__ = ["BY_NAME", "RESOURCES", "Endpoint", "Operation", "Resource"]
