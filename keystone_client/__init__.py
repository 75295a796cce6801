"""The documented import path: ``from keystone_client import KeystoneClient``.

Everything public in :mod:`keystone` is re-exported here. Prefer this name in code that may
share an environment with OpenStack, whose identity server is also importable as ``keystone``.
"""

from keystone import *  # noqa: F403
from keystone import __all__, __version__  # noqa: F401
