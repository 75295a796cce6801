"""Notifications sent to users and their notification preferences."""

from __future__ import annotations

from django.conf import settings
from django.db import models


def default_expiry_thresholds() -> list[int]:
    """Days before a request's expiry at which its team is notified."""
    return [30, 14]


class Notification(models.Model):
    """A message to one user, kept so the user can read it in the API."""

    class NotificationType(models.TextChoices):
        general_message = "GM", "General Message"
        request_expiring = "RE", "Upcoming Request Expiration"
        request_expired = "RD", "Request Past Expiration"

    time = models.DateTimeField(auto_now_add=True)
    read = models.BooleanField(default=False)
    subject = models.TextField()
    message_text = models.TextField()
    message_html = models.TextField()
    metadata = models.JSONField(null=True)
    notification_type = models.CharField(max_length=2, choices=NotificationType.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)

    class Meta:
        app_label = "notifications"
        constraints = (
            models.UniqueConstraint(
                fields=("user", "notification_type", "metadata"),
                name="unique_user_type_metadata",
            ),
        )


class Preference(models.Model):
    """A user's notification settings (one per user)."""

    request_expiry_thresholds = models.JSONField(default=default_expiry_thresholds)
    notify_on_expiration = models.BooleanField(default=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)

    class Meta:
        app_label = "notifications"
