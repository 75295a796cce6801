"""Read-only summaries embedded in records as ``_``-prefixed copies of their links.

A request shows its team as ``_team``, its submitter as ``_submitter`` and so on; every audited
record lists its audit entries, newest first, as ``_history``. Each summary holds the fields
any release showed; the record that embeds it keeps those of the imitated release
(:mod:`keystone.testing.server_v010.shaping`).
"""

from __future__ import annotations

from typing import Any

from auditlog.models import LogEntry
from rest_framework import serializers

from keystone.testing.server_v010 import models
from keystone.testing.server_v010.shaping import Summary


class TeamSummarySerializer(Summary):
    class Meta:
        model = models.Team
        fields = ("id", "slug", "name", "is_active")


class ClusterSummarySerializer(Summary):
    class Meta:
        model = models.Cluster
        fields = ("id", "name", "enabled")


class UserSummarySerializer(Summary):
    display_name = serializers.CharField(read_only=True)
    abbreviation = serializers.CharField(read_only=True)

    class Meta:
        model = models.User
        fields = (
            "id",
            "username",
            "first_name",
            "last_name",
            "display_name",
            "abbreviation",
            "email",
            "department",
            "role",
        )


class TeamRoleSerializer(Summary):
    """A user's membership as the user record shows it."""

    _team = TeamSummarySerializer(source="team", read_only=True)

    class Meta:
        model = models.Membership
        fields = ("id", "team", "role", "_team")


class UserRoleSerializer(Summary):
    """A team's membership as the team record shows it."""

    _user = UserSummarySerializer(source="user", read_only=True)

    class Meta:
        model = models.Membership
        fields = ("id", "user", "role", "_user")


class AuditLogSummarySerializer(Summary):
    """One ``_history`` entry: when, which action, by whom, what changed."""

    _actor = UserSummarySerializer(source="actor", read_only=True)
    action = serializers.SerializerMethodField()

    class Meta:
        model = models.AuditLog
        fields = ("id", "timestamp", "action", "actor", "_actor", "changes")

    def get_action(self, obj: Any) -> str:
        return str(LogEntry.Action.choices[obj.action][1])


def history() -> AuditLogSummarySerializer:
    """The ``_history`` field every audited record has."""
    return AuditLogSummarySerializer(source="history", many=True, read_only=True)


class AllocationRequestSummarySerializer(Summary):
    class Meta:
        model = models.AllocationRequest
        fields = ("id", "title", "status", "active", "expire")


class ResourceAllocationSummarySerializer(Summary):
    _cluster = ClusterSummarySerializer(source="cluster", read_only=True)

    class Meta:
        model = models.ResourceAllocation
        fields = ("id", "cluster", "requested", "awarded", "final", "_cluster")


class AttachmentSummarySerializer(Summary):
    file = serializers.FileField(use_url=False)
    name = serializers.CharField()

    class Meta:
        model = models.Attachment
        fields = ("file", "name")


class CommentSummarySerializer(Summary):
    _user = UserSummarySerializer(source="user", read_only=True)

    class Meta:
        model = models.Comment
        fields = ("id", "user", "content", "created", "private", "_user")


class GrantSummarySerializer(Summary):
    class Meta:
        model = models.Grant
        fields = "__all__"
        read_only_fields = ("team",)


class PublicationSummarySerializer(Summary):
    class Meta:
        model = models.Publication
        fields = "__all__"
        read_only_fields = ("team",)
