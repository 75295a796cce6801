"""Notifications (only ``read`` is writable) and notification preferences."""

from __future__ import annotations

from typing import Any, ClassVar

from rest_framework import serializers

from keystone.testing.server_v010.nested import UserSummarySerializer
from keystone.testing.server_v010.notifications.models import Notification, Preference
from keystone.testing.server_v010.shaping import Shaped


class NotificationSerializer(Shaped, serializers.ModelSerializer):
    release_path = "notifications/notifications"

    _user = UserSummarySerializer(source="user", read_only=True)
    message = serializers.CharField(source="message_text", read_only=True)  # up to 0.8.7

    class Meta:
        model = Notification
        fields = (
            "id",
            "time",
            "read",
            "subject",
            "message",
            "message_html",
            "notification_type",
            "user",
            "_user",
        )
        read_only_fields = tuple(name for name in fields if name != "read")


class PreferenceSerializer(Shaped, serializers.ModelSerializer):
    release_path = "notifications/preferences"

    _user = UserSummarySerializer(source="user", read_only=True)

    class Meta:
        model = Preference
        fields = "__all__"
        extra_kwargs: ClassVar[dict[str, Any]] = {"user": {"required": False}}

    def validate_user(self, value: Any) -> Any:
        submitter = self.context["request"].user
        if not (submitter.is_staff or value == submitter):
            raise serializers.ValidationError(
                "User field cannot be set to a different user than the request submitter."
            )
        return value
