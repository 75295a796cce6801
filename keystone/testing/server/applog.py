"""The application log: Python log records of level WARNING and above, kept in the database.

Keystone stores its log records in a table served at ``logs/apps/``; among them are Django's
``django.request`` warnings for every 4xx answer and errors for every 5xx. The emulator keeps
the same records the same way.
"""

from __future__ import annotations

import logging
import threading

_local = threading.local()


class DatabaseLogHandler(logging.Handler):
    """Writes each record to the ``AppLog`` table.

    A failure to write is reported through ``logging``'s usual error path and never raised into
    the request that logged; a record logged while writing another one (for example by the
    database layer) is dropped instead of recursing.
    """

    def emit(self, record: logging.LogRecord) -> None:
        if getattr(_local, "busy", False):
            return
        _local.busy = True
        try:
            from keystone.testing.server.models import AppLog

            AppLog.objects.create(
                name=record.name[:100],
                level=record.levelname[:10],
                pathname=record.pathname[:260],
                lineno=record.lineno,
                message=self.format(record),
                func=record.funcName[:80] if record.funcName else None,
                sinfo=record.stack_info,
            )
        except Exception:
            self.handleError(record)
        finally:
            _local.busy = False


def install(level: int = logging.WARNING) -> DatabaseLogHandler:
    """Attach one :class:`DatabaseLogHandler` to the root logger (idempotent)."""
    root = logging.getLogger()
    for handler in root.handlers:
        if isinstance(handler, DatabaseLogHandler):
            return handler
    handler = DatabaseLogHandler(level)
    root.addHandler(handler)
    return handler
