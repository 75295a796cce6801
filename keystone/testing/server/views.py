"""The API's viewsets: one per resource, each a DRF ``ModelViewSet`` (logs are read-only).

A viewset declares its model, serializer and write permission; non-staff users see only the
records of research groups they belong to where the real server restricts reads that way.
Lists are ordered by primary key, as the real server's answers are.
"""

from __future__ import annotations

from typing import Any

from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated

from keystone.testing.server import models, permissions, serializers


class KeystoneViewSet(viewsets.ModelViewSet):
    """A model viewset; ``group_scoped`` limits non-staff reads to their groups' records."""

    model: Any = None
    group_scoped = False

    def get_queryset(self) -> Any:
        queryset = self.model.objects.all()
        if self.group_scoped and not permissions.is_staff(self.request):
            groups = models.ResearchGroup.objects.affiliated(self.request.user)
            queryset = queryset.filter(**{f"{self.model.group_path}__in": groups.values("pk")})
        return queryset.order_by("pk")


class ClusterViewSet(KeystoneViewSet):
    """Configuration settings for managed Slurm clusters."""

    model = models.Cluster
    serializer_class = serializers.ClusterSerializer
    permission_classes = (IsAuthenticated, permissions.StaffWriteAuthenticatedRead)


class AllocationViewSet(KeystoneViewSet):
    """Manage allocations for user research groups."""

    model = models.Allocation
    group_scoped = True
    serializer_class = serializers.AllocationSerializer
    permission_classes = (IsAuthenticated, permissions.StaffWriteAuthenticatedRead)


class AllocationRequestViewSet(KeystoneViewSet):
    """Manage allocation requests."""

    model = models.AllocationRequest
    group_scoped = True
    serializer_class = serializers.AllocationRequestSerializer
    permission_classes = (IsAuthenticated, permissions.GroupAdminCreateStaffChange)


class AllocationRequestReviewViewSet(KeystoneViewSet):
    """Manage reviews of allocation requests; the reviewer defaults to the requesting user."""

    model = models.AllocationRequestReview
    group_scoped = True
    serializer_class = serializers.AllocationRequestReviewSerializer
    permission_classes = (IsAuthenticated, permissions.StaffWriteAuthenticatedRead)

    def perform_create(self, serializer: Any) -> None:
        reviewer = serializer.validated_data.get("reviewer", self.request.user)
        serializer.save(reviewer=reviewer)


class UserViewSet(KeystoneViewSet):
    """Users: staff see and edit every field, others get administrative fields read-only."""

    model = models.User
    permission_classes = (IsAuthenticated, permissions.StaffOrSelfWrite)

    def get_serializer_class(self) -> Any:
        if permissions.is_staff(self.request):
            return serializers.PrivilegedUserSerializer
        return serializers.RestrictedUserSerializer


class ResearchGroupViewSet(KeystoneViewSet):
    """Research groups: readable by all, created by anyone, changed by staff or PI/admins."""

    model = models.ResearchGroup
    serializer_class = serializers.ResearchGroupSerializer
    permission_classes = (IsAuthenticated, permissions.ResearchGroupWrite)


class GrantViewSet(KeystoneViewSet):
    """Grants: group members read, staff or the group's PI/admins write."""

    model = models.Grant
    group_scoped = True
    serializer_class = serializers.GrantSerializer
    permission_classes = (IsAuthenticated, permissions.GroupAdminWrite)


class PublicationViewSet(KeystoneViewSet):
    """Publications: staff or group members read and write."""

    model = models.Publication
    group_scoped = True
    serializer_class = serializers.PublicationSerializer
    permission_classes = (IsAuthenticated, permissions.GroupMemberWrite)


class LogViewSet(viewsets.ReadOnlyModelViewSet):
    """Read-only logs, staff only."""

    model: Any = None
    permission_classes = (IsAuthenticated, permissions.StaffOnly)

    def get_queryset(self) -> Any:
        return self.model.objects.all().order_by("pk")


class AppLogViewSet(LogViewSet):
    """Returns application log data."""

    model = models.AppLog
    serializer_class = serializers.AppLogSerializer


class RequestLogViewSet(LogViewSet):
    """Returns HTTP request log data."""

    model = models.RequestLog
    serializer_class = serializers.RequestLogSerializer


class TaskResultViewSet(LogViewSet):
    """Returns background task results."""

    model = models.TaskResult
    serializer_class = serializers.TaskResultSerializer
