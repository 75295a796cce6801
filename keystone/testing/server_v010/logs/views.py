"""The read-only log endpoints (staff only): audit, requests, tasks and the combined feed."""

from __future__ import annotations

from rest_framework import generics, viewsets
from rest_framework.permissions import IsAuthenticated

from keystone.testing.server_v010.logs import serializers
from keystone.testing.server_v010.logs.models import (
    AppLog,
    AuditLog,
    FeedEntry,
    RequestLog,
    TaskResult,
)
from keystone.testing.server_v010.permissions import StaffRead


class AuditLogViewSet(viewsets.ReadOnlyModelViewSet):
    """API endpoints for fetching audit log records."""

    permission_classes = (IsAuthenticated, StaffRead)
    search_fields = (
        "record_name",
        "action",
        "cid",
        "actor__username",
        "actor__first_name",
        "actor__last_name",
    )
    serializer_class = serializers.AuditLogSerializer
    queryset = AuditLog.objects.select_related("actor", "content_type")


class FeedView(generics.ListAPIView):
    """API endpoints for fetching the combined log feed."""

    permission_classes = (IsAuthenticated, StaffRead)
    search_fields = (
        "status",
        "summary",
        "cid",
        "user__username",
        "user__first_name",
        "user__last_name",
    )
    serializer_class = serializers.FeedEntrySerializer
    queryset = FeedEntry.objects.select_related("user")


class RequestLogViewSet(viewsets.ReadOnlyModelViewSet):
    """API endpoints for fetching HTTP request log records."""

    permission_classes = (IsAuthenticated, StaffRead)
    search_fields = (
        "endpoint",
        "method",
        "response_code",
        "remote_address",
        "cid",
        "user__username",
        "user__first_name",
        "user__last_name",
    )
    serializer_class = serializers.RequestLogSerializer
    queryset = RequestLog.objects.select_related("user")


class TaskResultViewSet(viewsets.ReadOnlyModelViewSet):
    """API endpoints for fetching background task results."""

    permission_classes = (IsAuthenticated, StaffRead)
    search_fields = ("periodic_task_name", "task_name", "status", "worker", "result", "traceback")
    serializer_class = serializers.TaskResultSerializer
    queryset = TaskResult.objects.all()


class AppLogViewSet(viewsets.ReadOnlyModelViewSet):
    """API endpoints for fetching application log records (up to 0.6.21)."""

    permission_classes = (IsAuthenticated, StaffRead)
    search_fields = ("name", "level", "pathname", "message", "func", "sinfo")
    serializer_class = serializers.AppLogSerializer
    queryset = AppLog.objects.all()
