"""Keystone's resources, declared once, and the typed client methods generated from them.

See :mod:`keystone.resources.catalog` for the declarations and
:mod:`keystone.resources.generate` for how they become methods of
:class:`~keystone.KeystoneClient`.
"""

from keystone.resources.bodies import UnexpectedResponseError
from keystone.resources.catalog import BY_NAME, RESOURCES
from keystone.resources.methods import ResourceMethods
from keystone.resources.pages import PaginationError
from keystone.resources.spec import CRUD, READ_ONLY, Operation, Resource

__all__ = [
    "BY_NAME",
    "CRUD",
    "READ_ONLY",
    "RESOURCES",
    "Operation",
    "PaginationError",
    "Resource",
    "ResourceMethods",
    "UnexpectedResponseError",
]
