"""The read-only logs: audit entries, application logs, the request log, task results, the feed.

The feed is a database view over the other three tables (:data:`FEED_VIEW_SQL`), created with
the schema, as on the real server.
"""

from __future__ import annotations

from auditlog.models import LogEntry
from django.db import models

from keystone.testing.server_v010.users.models import User


class AuditLog(LogEntry):
    """django-auditlog's entries, under the name the API gives them."""

    class Meta:
        app_label = "logging"
        proxy = True


class AppLog(models.Model):
    """An application log record (``logs/apps/``, up to 0.6.21; later releases log to a file)."""

    name = models.CharField(max_length=100)
    level = models.CharField(max_length=10)
    pathname = models.CharField(max_length=260)
    lineno = models.IntegerField()
    message = models.TextField()
    func = models.CharField(max_length=80, null=True, blank=True)
    sinfo = models.TextField(null=True, blank=True)
    time = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "logging"


class RequestLog(models.Model):
    """One HTTP exchange: method, path, status, client address, correlation id and user."""

    method = models.CharField(max_length=10)
    endpoint = models.CharField(max_length=2048)
    response_code = models.PositiveSmallIntegerField()
    remote_address = models.CharField(max_length=40, null=True)
    body_request = models.TextField(null=True, blank=True)  # up to 0.5.9 (never filled here)
    body_response = models.TextField(null=True, blank=True)
    timestamp = models.DateTimeField(auto_now_add=True)
    cid = models.CharField(max_length=36, null=True, blank=True)
    user = models.ForeignKey(User, on_delete=models.SET_NULL, null=True)

    class Meta:
        app_label = "logging"


class TaskResult(models.Model):
    """A background task's outcome, in django-celery-results' shape.

    The emulator runs no background tasks, so the table stays empty; it exists so the endpoint,
    its fields and filters behave as on the real server.
    """

    task_id = models.CharField(max_length=255, unique=True)
    periodic_task_name = models.CharField(max_length=255, null=True)
    task_name = models.CharField(max_length=255, null=True)
    task_args = models.TextField(null=True)
    task_kwargs = models.TextField(null=True)
    status = models.CharField(max_length=50, default="PENDING")
    worker = models.CharField(max_length=100, null=True, default=None)
    content_type = models.CharField(max_length=128)
    content_encoding = models.CharField(max_length=64)
    result = models.TextField(null=True, default=None)
    date_created = models.DateTimeField(auto_now_add=True)
    date_started = models.DateTimeField(null=True, default=None)
    date_done = models.DateTimeField(auto_now=True)
    traceback = models.TextField(blank=True, null=True)
    meta = models.TextField(null=True, default=None)

    class Meta:
        app_label = "logging"


class FeedEntry(models.Model):
    """One row of the combined log feed (``logs/feed/``), read from a database view."""

    class RecordType(models.TextChoices):
        REQUEST = "request", "Request"
        TASK = "task", "Task"
        AUDIT = "audit", "Audit"

    id = models.CharField(primary_key=True, max_length=20)
    record_id = models.BigIntegerField()
    record_type = models.CharField(max_length=16, choices=RecordType.choices)
    timestamp = models.DateTimeField()
    summary = models.TextField(null=True)
    user = models.ForeignKey(User, on_delete=models.DO_NOTHING, null=True)
    cid = models.CharField(max_length=32, null=True, blank=True)
    status = models.CharField(max_length=16, null=True, blank=True)

    class Meta:
        app_label = "logging"
        managed = False
        db_table = "logging_feedentry"
        ordering = ("-timestamp",)


def feed_view_sql() -> str:
    """``CREATE VIEW`` for :class:`FeedEntry`: requests, tasks and audit entries, prefixed ids."""
    requests, tasks = RequestLog._meta.db_table, TaskResult._meta.db_table
    audit = LogEntry._meta.db_table
    return f"""
CREATE VIEW IF NOT EXISTS logging_feedentry AS
    SELECT 'r' || id AS id, id AS record_id, timestamp AS timestamp, 'request' AS record_type,
           endpoint AS summary, user_id AS user_id, cid AS cid,
           CAST(response_code AS TEXT) AS status
    FROM {requests}
    UNION ALL
    SELECT 't' || id, id, date_created, 'task', task_name, NULL, NULL, status FROM {tasks}
    UNION ALL
    SELECT 'a' || id, id, timestamp, 'audit', object_repr, actor_id, cid, NULL FROM {audit}
"""
