"""The documented import path: ``from keystone_client import KeystoneClient``.

Everything public in the ``keystone`` package is re-exported here. The code itself lives in a
top-level package named ``keystone``, a name OpenStack's identity server (also "Keystone")
uses too: the two cannot be installed in one environment, since each would overwrite the
other's files. Importing this package where ``keystone`` is not this project's raises an
``ImportError`` that says so, rather than failing later on a missing name.
"""

import importlib as _importlib

_keystone = _importlib.import_module("keystone")
if not getattr(_keystone, "__keystone_api_client__", False):
    raise ImportError(
        f"the 'keystone' package found at {getattr(_keystone, '__file__', None) or '?'} is not "
        "keystone-api-client's: another project (likely OpenStack's identity server) installs a "
        "top-level 'keystone' package too, and the two cannot share an environment. Install "
        "keystone-api-client in a virtual environment of its own."
    )

from keystone import *  # noqa: E402, F403
from keystone import __all__, __version__  # noqa: E402, F401
