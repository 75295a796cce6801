"""Turn an :class:`EmulatorConfig` into a ready WSGI application of 0.4.1 to 0.10.9 (once).

Like the 0.3.26 profile it configures Django, creates the schema straight from the models (plus
the feed's database view), seeds the accounts and the configured API tokens, and imports the
URLconf before the first request. The returned handler carries ``emulator_commands``: what the
control channel offers for this profile (see :mod:`keystone.testing.server_v010.commands`).
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import warnings
from typing import TYPE_CHECKING

from keystone.testing.config import EmulatorConfig

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication


def _media_root(database_path: str | None) -> str:
    """Uploaded files live beside the database, or in a directory removed at exit."""
    if database_path:
        return database_path + "-media"
    path = tempfile.mkdtemp(prefix="keystone-emulator-media-")
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def build_application(config: EmulatorConfig) -> WSGIApplication:
    """Configure Django from ``config`` and return the emulator's WSGI application of the
    release ``config.api`` names."""
    from keystone.testing.server.bootstrap import configure_django
    from keystone.testing.server_v010 import release

    release.activate(config.api)  # before the settings, the models and the URLconf read it
    from keystone.testing.server_v010.settings import build_settings

    configure_django(
        lambda database_path, secret_key: build_settings(
            config,
            database_path=database_path,
            secret_key=secret_key,
            media_root=_media_root(config.database_path),
        ),
        config,
    )
    warnings.filterwarnings("ignore", message="The list-based error format")

    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection
    from django.urls import resolve

    from keystone.testing.server.schema import ensure_schema
    from keystone.testing.server.seed import seed_users
    from keystone.testing.server_v010.commands import COMMANDS, install_tokens, seed_app_log
    from keystone.testing.server_v010.logs.models import feed_view_sql

    ensure_schema()
    with connection.cursor() as cursor:
        cursor.execute(feed_view_sql())
    seed_users(config)
    install_tokens(config.tokens)
    if release.current.has("logs/apps"):
        seed_app_log()
    resolve("/version/")  # import the URLconf and every view now, not on the first request
    handler = WSGIHandler()
    handler.emulator_commands = COMMANDS
    application: WSGIApplication = handler
    return application
