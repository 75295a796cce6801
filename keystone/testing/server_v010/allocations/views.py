"""The allocation viewsets: clusters, requests, reviews, allocations, attachments, comments.

Reviews and attachments declare search fields their records do not have, so ``_search`` on
them answers the real server's HTML 500.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated

from keystone.testing.server_v010 import models, permissions, release, serializers
from keystone.testing.server_v010.views import DefaultToRequester, TeamScopedViewSet


class ClusterViewSet(viewsets.ModelViewSet):
    """API endpoints for managing Slurm clusters."""

    permission_classes = (
        IsAuthenticated,
        permissions.ClusterPermissions,
    )
    search_fields = (
        "name",
        "description",
    )
    serializer_class = serializers.ClusterSerializer
    queryset = models.Cluster.objects.prefetch_related("history", "access_teams")

    def perform_destroy(self, instance: Any) -> None:
        """Before 0.10.4 a cluster's allocations went with it (CASCADE); later the database
        refuses (PROTECT), and the server answers 500."""
        if not release.current.at_least("0.10.4"):
            models.ResourceAllocation.objects.filter(cluster=instance).delete()
        instance.delete()

    def get_queryset(self) -> Any:
        """Non-staff list only the clusters open to one of their teams."""
        queryset = super().get_queryset()
        if self.action != "list" or self.request.user.is_staff:
            return queryset
        teams = models.Team.objects.teams_for_user(self.request.user).values_list("id", flat=True)
        modes = models.Cluster.AccessModeChoices
        open_ = queryset.filter(access_mode=modes.OPEN)
        listed = queryset.filter(access_mode=modes.WHITELIST, access_teams__in=teams)
        unlisted = queryset.filter(access_mode=modes.BLACKLIST).exclude(access_teams__in=teams)
        return (open_ | listed | unlisted).distinct()


class AllocationRequestViewSet(TeamScopedViewSet):
    """API endpoints for managing allocation requests.

    Nested publications and grants are listed by title, allocations by cluster name.
    """

    permission_classes = (
        IsAuthenticated,
        permissions.AllocationRequestPermissions,
    )
    search_fields = (
        "title",
        "description",
        "team__name",
        "submitter__username",
        "submitter__first_name",
        "submitter__last_name",
    )
    serializer_class = serializers.AllocationRequestSerializer
    queryset = models.AllocationRequest.objects.prefetch_related(
        "history",
        "assignees",
        "attachment_set",
        Prefetch("publications", queryset=models.Publication.objects.order_by("title")),
        Prefetch("grants", queryset=models.Grant.objects.order_by("title")),
        Prefetch(
            "allocation_set",
            queryset=models.ResourceAllocation.objects.select_related("cluster").order_by(
                "cluster__name"
            ),
        ),
    ).select_related("submitter", "team")


class AllocationReviewViewSet(DefaultToRequester, TeamScopedViewSet):
    """API endpoints for managing allocation reviews."""

    requester_field = "reviewer"
    team_field = "request__team"
    permission_classes = (
        IsAuthenticated,
        permissions.AllocationReviewPermissions,
    )
    search_fields = (
        "public_comments",
        "private_comments",
        "request__team__name",
        "request__title",
    )
    serializer_class = serializers.AllocationReviewSerializer
    queryset = models.AllocationReview.objects.prefetch_related("history").select_related(
        "request", "reviewer"
    )


class ResourceAllocationViewSet(TeamScopedViewSet):
    """API endpoints for managing resource allocations."""

    team_field = "request__team"
    permission_classes = (
        IsAuthenticated,
        permissions.ResourceAllocationPermissions,
    )
    search_fields = (
        "request__team__name",
        "request__title",
        "cluster__name",
    )
    serializer_class = serializers.ResourceAllocationSerializer
    queryset = models.ResourceAllocation.objects.prefetch_related("history").select_related(
        "request", "cluster"
    )


class AttachmentViewSet(TeamScopedViewSet):
    """API endpoints for managing request attachments."""

    team_field = "request__team"
    permission_classes = (
        IsAuthenticated,
        permissions.RequestChildPermissions,
    )
    search_fields = (
        "path",
        "request__title",
        "request__submitter__username",
        "request__submitter__first_name",
        "request__submitter__last_name",
    )
    serializer_class = serializers.AttachmentSerializer
    queryset = models.Attachment.objects.prefetch_related("history").select_related("request")


class CommentViewSet(TeamScopedViewSet):
    """API endpoints for managing request comments."""

    team_field = "request__team"
    permission_classes = (
        IsAuthenticated,
        permissions.CommentPermissions,
    )
    search_fields = (
        "content",
        "request__title",
        "user__username",
        "user__first_name",
        "user__last_name",
    )
    serializer_class = serializers.CommentSerializer
    queryset = models.Comment.objects.prefetch_related("history").select_related("request", "user")

    def get_queryset(self) -> Any:
        queryset = super().get_queryset()
        if self.action == "list" and not self.request.user.is_staff:
            queryset = queryset.filter(private=False)
        return queryset


class JobStatsViewSet(TeamScopedViewSet):
    """API endpoints for fetching Slurm job records (0.6.10 to 0.10.2)."""

    http_method_names = ("get", "head", "options")
    permission_classes = (IsAuthenticated,)
    search_fields = ("account", "username", "group", "team__name")
    serializer_class = serializers.JobStatsSerializer
    queryset = models.JobStats.objects.select_related("team", "cluster")
