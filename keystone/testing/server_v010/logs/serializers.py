"""Audit entries, request log records, task results and feed rows."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from keystone.testing.server_v010.logs.models import (
    AppLog,
    AuditLog,
    FeedEntry,
    RequestLog,
    TaskResult,
)
from keystone.testing.server_v010.nested import AuditLogSummarySerializer, UserSummarySerializer
from keystone.testing.server_v010.shaping import Shaped


class AuditLogSerializer(AuditLogSummarySerializer):
    release_path = "logs/audit"
    record_name = serializers.SerializerMethodField()
    record_id = serializers.IntegerField(source="object_pk")
    _actor = UserSummarySerializer(source="actor", read_only=True, allow_null=True)

    class Meta:
        model = AuditLog
        fields = (
            "id",
            "record_name",
            "record_id",
            "action",
            "changes",
            "cid",
            "remote_addr",
            "remote_port",
            "timestamp",
            "actor",
            "_actor",
        )

    def get_record_name(self, obj: Any) -> str:
        """``"<app label> | <model>"``, e.g. ``"allocations | Cluster"``."""
        content_type = obj.content_type
        return f"{content_type.app_label} | {content_type.model_class().__name__}"


class FeedEntrySerializer(Shaped, serializers.ModelSerializer):
    release_path = "logs/feed"

    _user = UserSummarySerializer(source="user", read_only=True, allow_null=True)

    class Meta:
        model = FeedEntry
        fields = "__all__"


class RequestLogSerializer(Shaped, serializers.ModelSerializer):
    release_path = "logs/requests"

    _user = UserSummarySerializer(source="user", read_only=True, allow_null=True)
    time = serializers.DateTimeField(source="timestamp", read_only=True)  # up to 0.5.17

    class Meta:
        model = RequestLog
        fields = "__all__"


class TaskResultSerializer(Shaped, serializers.ModelSerializer):
    release_path = "logs/tasks"

    class Meta:
        model = TaskResult
        fields = "__all__"


class AppLogSerializer(Shaped, serializers.ModelSerializer):
    release_path = "logs/apps"

    timestamp = serializers.DateTimeField(source="time", read_only=True)  # 0.6.x

    class Meta:
        model = AppLog
        fields = "__all__"
