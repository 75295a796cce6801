"""The default application factory: the Keystone application of the config's API profile.

Each generation lives in its own package (``server`` for 0.3.26, ``server_v010`` for 0.4.1 to
0.10.9, one application shaped by the release it imitates) and is imported only here, in the
server process, once the profile is known.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from keystone.testing.config import KNOWN_APIS, EmulatorConfig, check_api

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication

BOOTSTRAP_MODULES = {
    "0.3.26": "keystone.testing.server.bootstrap",
    **{api: "keystone.testing.server_v010.bootstrap" for api in KNOWN_APIS if api != "0.3.26"},
}


def build_application(config: EmulatorConfig) -> WSGIApplication:
    """Configure Django for ``config.api`` and return that profile's WSGI application."""
    module = importlib.import_module(BOOTSTRAP_MODULES[check_api(config.api)])
    application: WSGIApplication = module.build_application(config)
    return application
