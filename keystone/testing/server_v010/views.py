"""The record viewsets of the v0.10.9 profile (allocations in ``allocations/views.py``).

Each declares what the real server's does: its queryset, serializer, permission classes and
``search_fields`` (``_search``). Some of those search fields name no model field (reviews,
attachments, notifications, audit entries), so ``_search`` there fails with the real server's
HTML 500. Non-staff users list only their teams' records (``team_field``), but a detail request
for another team's record reaches the permission check and answers 403, as on the server.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from rest_framework import status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from keystone.testing.server_v010 import models, permissions, release, serializers
from keystone.testing.server_v010.notifications.serializers import (
    NotificationSerializer,
    PreferenceSerializer,
)


class TeamScopedViewSet(viewsets.ModelViewSet):
    """Lists only the records of the user's teams unless the user is staff.

    Before 0.6.6 the records of other teams are hidden from every request (a detail answers
    404); from 0.6.6 on only lists are narrowed, and a detail reaches the permission check.
    """

    team_field: str | None = "team"

    def get_queryset(self) -> Any:
        queryset = super().get_queryset()
        narrowed = self.action == "list" or release.current.traits.hide_others
        if narrowed and self.team_field and not self.request.user.is_staff:
            teams = models.Team.objects.teams_for_user(self.request.user)
            queryset = queryset.filter(**{f"{self.team_field}__in": teams})
        return queryset


class UserScopedViewSet(viewsets.ModelViewSet):
    """Lists only the user's own records unless the user is staff."""

    def get_queryset(self) -> Any:
        queryset = super().get_queryset()
        if self.action == "list" and not self.request.user.is_staff:
            queryset = queryset.filter(user=self.request.user)
        return queryset


class DefaultToRequester:
    """``create`` fills ``requester_field`` with the requesting user when the body leaves it out."""

    requester_field = "user"

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = request.data.copy()
        data.setdefault(self.requester_field, request.user.pk)
        serializer = self.get_serializer(data=data)  # type: ignore[attr-defined]
        serializer.is_valid(raise_exception=True)
        self.perform_create(serializer)  # type: ignore[attr-defined]
        return Response(serializer.data, status=status.HTTP_201_CREATED)


class UserViewSet(viewsets.ModelViewSet):
    """API endpoints for managing user accounts."""

    permission_classes = (
        IsAuthenticated,
        permissions.UserPermissions,
    )
    search_fields = (
        "username",
        "first_name",
        "last_name",
        "email",
        "department",
        "role",
    )
    queryset = models.User.objects.prefetch_related("history", "membership__team")

    def get_serializer_class(self) -> Any:
        if self.request.user.is_staff:
            return serializers.PrivilegedUserSerializer
        return serializers.RestrictedUserSerializer

    def get_queryset(self) -> Any:
        queryset = super().get_queryset()
        return queryset if self.request.user.is_staff else queryset.filter(is_active=True)

    def perform_destroy(self, instance: Any) -> None:
        """Before 0.10.4 a user's requests and reviews lost their submitter and reviewer
        (SET_NULL) and the user's comments went with the user (CASCADE); later the database
        refuses (PROTECT), and the server answers 500."""
        if not release.current.at_least("0.10.4"):
            models.AllocationRequest.objects.filter(submitter=instance).update(submitter=None)
            models.AllocationReview.objects.filter(reviewer=instance).update(reviewer=None)
            models.Comment.objects.filter(user=instance).delete()
        instance.delete()


class TeamViewSet(TeamScopedViewSet):
    """API endpoints for managing user teams."""

    team_field = "id"
    permission_classes = (
        IsAuthenticated,
        permissions.TeamPermissions,
    )
    search_fields = ("name",)
    queryset = models.Team.objects.prefetch_related("history", "membership__user")

    def get_serializer_class(self) -> Any:
        if self.action in ("update", "partial_update"):
            return serializers.TeamUpdateSerializer
        return serializers.TeamSerializer

    def get_queryset(self) -> Any:
        queryset = super().get_queryset()
        return queryset if self.request.user.is_staff else queryset.filter(is_active=True)


class MembershipViewSet(viewsets.ModelViewSet):
    """API endpoints for managing team membership."""

    permission_classes = (
        IsAuthenticated,
        permissions.MembershipPermissions,
    )
    serializer_class = serializers.MembershipSerializer

    @property
    def search_fields(self) -> tuple[str, ...]:
        """None before 0.9.0 (``_search`` is then ignored), as the real viewset had none."""
        if not release.current.at_least("0.9.0"):
            return ()
        return ("team__name", "user__username", "user__first_name", "user__last_name")

    queryset = models.Membership.objects.prefetch_related("history").select_related("team", "user")

    def get_queryset(self) -> Any:
        queryset = super().get_queryset()
        if not self.request.user.is_staff:
            queryset = queryset.filter(team__is_active=True, user__is_active=True)
        return queryset


class GrantViewSet(TeamScopedViewSet):
    """API endpoints for managing funding awards."""

    permission_classes = (
        IsAuthenticated,
        permissions.TeamMemberWrite,
    )
    search_fields = (
        "title",
        "agency",
        "team__name",
        "pi",
    )
    serializer_class = serializers.GrantSerializer
    queryset = models.Grant.objects.prefetch_related("history").select_related("team")


class PublicationViewSet(TeamScopedViewSet):
    """API endpoints for managing research publications."""

    permission_classes = (
        IsAuthenticated,
        permissions.TeamMemberWrite,
    )
    search_fields = (
        "title",
        "abstract",
        "journal",
        "doi",
        "team__name",
    )
    serializer_class = serializers.PublicationSerializer
    queryset = models.Publication.objects.prefetch_related("history").select_related("team")


class NotificationViewSet(UserScopedViewSet):
    """API endpoints for retrieving user notifications."""

    permission_classes = (
        IsAuthenticated,
        permissions.NotificationPermissions,
    )
    http_method_names = (
        "get",
        "head",
        "options",
        "patch",
    )
    search_fields = (
        "message",
        "user__username",
        "user__first_name",
        "user__last_name",
    )
    serializer_class = NotificationSerializer
    queryset = models.Notification.objects.select_related("user")


class PreferenceViewSet(DefaultToRequester, UserScopedViewSet):
    """API endpoints for managing user notification preferences."""

    permission_classes = (
        IsAuthenticated,
        permissions.PreferencePermissions,
    )
    search_fields = (
        "user__username",
        "user__first_name",
        "user__last_name",
    )
    serializer_class = PreferenceSerializer
    queryset = models.Preference.objects.select_related("user")


class ResearchGroupViewSet(viewsets.ModelViewSet):
    """API endpoints for managing research groups (Keystone 0.4.x; teams from 0.5.0 on)."""

    permission_classes = (
        IsAuthenticated,
        permissions.ResearchGroupPermissions,
    )
    serializer_class = serializers.ResearchGroupSerializer
    queryset = models.Team.objects.prefetch_related("membership")

    def get_object(self) -> Any:
        try:
            return super().get_object()
        except Http404:
            raise Http404("No ResearchGroup matches the given query.") from None
