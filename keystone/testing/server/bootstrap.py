"""Turn an :class:`EmulatorConfig` into a ready WSGI application (once per process).

Django's settings are process-global, so :func:`build_application` configures Django, creates
or completes the schema, seeds the accounts and returns the WSGI handler, and refuses to run a
second time in the same process. The signing key is ``config.secret_key`` or a fresh random
one, so a restart without a fixed key invalidates every token issued before it, as on the real
server.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import secrets
import tempfile
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from keystone.testing.config import EmulatorConfig

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication


def temporary_database() -> str:
    """A fresh SQLite file path, removed (with its WAL files) when the process exits."""
    handle, path = tempfile.mkstemp(prefix="keystone-emulator-", suffix=".sqlite3")
    os.close(handle)
    os.unlink(path)  # SQLite creates it; an empty file is a valid but schema-less database

    def remove() -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            with contextlib.suppress(OSError):
                os.unlink(path + suffix)

    atexit.register(remove)
    return path


def configure_django(build: Callable[[str, str], dict[str, Any]], config: EmulatorConfig) -> None:
    """Configure Django once in this process with ``build(database_path, secret_key)``.

    The database is ``config.database_path`` or a temporary file; the key is
    ``config.secret_key`` or a fresh random one.
    """
    import django
    from django.conf import settings

    if settings.configured:
        raise RuntimeError(
            "Django is already configured in this process; build_application() runs once, "
            "in a process of its own (start the emulator with KeystoneEmulator)."
        )
    database_path = config.database_path or temporary_database()
    secret_key = config.secret_key or secrets.token_urlsafe(50)
    settings.configure(**build(database_path, secret_key))
    django.setup(set_prefix=False)


def build_application(config: EmulatorConfig) -> WSGIApplication:
    """Configure Django from ``config`` and return the emulator's WSGI application."""
    from keystone.testing.server.settings import build_settings

    configure_django(
        lambda database_path, secret_key: build_settings(
            config, database_path=database_path, secret_key=secret_key
        ),
        config,
    )

    from django.core.handlers.wsgi import WSGIHandler
    from django.urls import resolve

    from keystone.testing.server import applog
    from keystone.testing.server.schema import ensure_schema
    from keystone.testing.server.seed import seed_users

    ensure_schema()
    seed_users(config)
    applog.install()
    resolve("/version/")  # import the URLconf and every view now, not on the first request
    application: WSGIApplication = WSGIHandler()
    return application
