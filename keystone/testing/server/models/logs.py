"""The three read-only logs: application log records, request log, background task results."""

from __future__ import annotations

from django.db import models

from keystone.testing.server.models.users import User


class AppLog(models.Model):
    """A Python log record of level WARNING or above, written by :mod:`..applog`."""

    name = models.CharField(max_length=100)
    level = models.CharField(max_length=10)
    pathname = models.CharField(max_length=260)
    lineno = models.IntegerField()
    message = models.TextField()
    func = models.CharField(max_length=80, null=True, blank=True)
    sinfo = models.TextField(null=True, blank=True)
    time = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "keystone_emulator"


class RequestLog(models.Model):
    """One HTTP exchange served by the application, written by :mod:`..middleware`."""

    method = models.CharField(max_length=10)
    endpoint = models.CharField(max_length=2048)
    response_code = models.PositiveIntegerField()
    body_request = models.TextField()
    body_response = models.TextField()
    remote_address = models.CharField(max_length=40, null=True, blank=True)
    time = models.DateTimeField(auto_now_add=True)
    user = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        app_label = "keystone_emulator"


class TaskResult(models.Model):
    """A background task's outcome (the shape of django-celery-results' table).

    The emulator runs no background tasks, so this log stays empty; it exists so the endpoint,
    its fields and its filters behave like the real server's.
    """

    class Status(models.TextChoices):
        FAILURE = "FAILURE", "FAILURE"
        PENDING = "PENDING", "PENDING"
        RECEIVED = "RECEIVED", "RECEIVED"
        RETRY = "RETRY", "RETRY"
        REVOKED = "REVOKED", "REVOKED"
        STARTED = "STARTED", "STARTED"
        SUCCESS = "SUCCESS", "SUCCESS"

    task_id = models.CharField(max_length=255, unique=True)
    periodic_task_name = models.CharField(max_length=255, null=True, blank=True)
    task_name = models.CharField(max_length=255, null=True, blank=True)
    task_args = models.TextField(null=True, blank=True)
    task_kwargs = models.TextField(null=True, blank=True)
    status = models.CharField(max_length=50, choices=Status.choices, default=Status.PENDING)
    worker = models.CharField(max_length=100, null=True, blank=True)
    content_type = models.CharField(max_length=128)
    content_encoding = models.CharField(max_length=64)
    result = models.TextField(null=True, blank=True)
    date_created = models.DateTimeField(auto_now_add=True)
    date_done = models.DateTimeField(auto_now=True)
    traceback = models.TextField(null=True, blank=True)
    meta = models.TextField(null=True, blank=True)

    class Meta:
        app_label = "keystone_emulator"
