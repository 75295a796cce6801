"""Creating the database schema straight from the models, idempotently and fast.

The emulator's database is private to it and never upgraded in place, so instead of replaying
every migration of every app (seconds of work on a small machine) it creates the tables of
all installed models in one schema-editor pass: a second start on the same file (a restart)
creates only what is missing and keeps the data. The database runs in WAL mode so readers do
not wait for the one writer.

What ``migrate`` does after the tables, this does too: every model's content type is created
at once. Made lazily instead, the first one would be made inside whatever transaction needed
it (an atomic job's) and cached in memory; a rollback would then leave the cache naming a row
that is gone, and every later audit-log entry for that model would fail.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.db import connection


def _models() -> list[Any]:
    """Models that own a table: proxies share their base's and unmanaged ones are views."""
    return [m for m in apps.get_models() if m._meta.managed and not m._meta.proxy]


def _tables(model: Any) -> list[str]:
    """The table of ``model`` and of its auto-created many-to-many link tables."""
    tables = [model._meta.db_table]
    for field in model._meta.local_many_to_many:
        through = field.remote_field.through
        if through._meta.auto_created:
            tables.append(through._meta.db_table)
    return tables


def missing_tables() -> list[str]:
    """Tables the installed models need that the database does not have."""
    existing = set(connection.introspection.table_names())
    return sorted(t for model in _models() for t in _tables(model) if t not in existing)


def ensure_schema() -> list[str]:
    """Create the tables of every model whose table is missing; return the models created."""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode=WAL")
    existing = set(connection.introspection.table_names())
    pending = [m for m in _models() if m._meta.db_table not in existing]
    if pending:
        with connection.schema_editor() as editor:
            for model in pending:
                editor.create_model(model)
    if apps.is_installed("django.contrib.contenttypes"):
        from django.contrib.contenttypes.models import ContentType

        ContentType.objects.get_for_models(*apps.get_models(), for_concrete_models=False)
    return [m._meta.label for m in pending]
