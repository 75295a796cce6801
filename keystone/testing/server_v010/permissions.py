"""Who may do what, as the real server's permission classes decide it.

Listing is narrowed by the views (non-staff see their teams' records); these classes decide
everything else. Staff (``is_staff``; superuser alone is not enough) may do everything; team
owners and admins are a team's "privileged" members. A refusal answers DRF's 403
``{"detail": "You do not have permission to perform this action."}``.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission

from keystone.testing.server_v010 import models


def _staff(request: Any) -> bool:
    return bool(request.user and request.user.is_staff)


def _reading(request: Any) -> bool:
    return request.method in SAFE_METHODS


def _creating(view: Any) -> bool:
    return getattr(view, "action", None) == "create"


def _member(user: Any, team: Any) -> bool:
    return bool(team.users.filter(pk=user.pk).exists())


def _privileged(user: Any, team: Any) -> bool:
    return bool(team.privileged_members().filter(pk=user.pk).exists())


def _team_of(request: Any) -> Any:
    """The team a request's body names: ``team``, or ``group`` (the research group of 0.4.x)."""
    data = request.data
    return data.get("team") if data.get("team") not in (None, "") else data.get("group")


def _lookup(model: type[Any], pk: Any) -> Any:
    """The record ``pk`` names, or None when it is missing or malformed."""
    try:
        return model.objects.filter(pk=pk).first() if pk not in (None, "") else None
    except (TypeError, ValueError):
        return None


class UserPermissions(BasePermission):
    """Everyone reads; staff create; a user may change or delete their own record."""

    def has_permission(self, request: Any, view: Any) -> bool:
        return _staff(request) if _creating(view) else True

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        return _reading(request) or obj == request.user or _staff(request)


class TeamPermissions(BasePermission):
    """Active teams are readable by all; staff and the team's owners/admins write."""

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        if _staff(request):
            return True
        if not obj.is_active:
            return False
        return _reading(request) or _privileged(request.user, obj)


class MembershipPermissions(BasePermission):
    """Owners/admins of the named team write; anyone may delete their own membership."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if _staff(request):
            return True
        team = _lookup(models.Team, _team_of(request))
        return team is None or _privileged(request.user, team)

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        if request.method == "DELETE" and obj.user == request.user:
            return True
        if _staff(request):
            return True
        if not obj.team.is_active:
            return False
        return _reading(request) or _privileged(request.user, obj.team)


class ClusterPermissions(BasePermission):
    """Everyone reads; staff write."""

    def has_permission(self, request: Any, view: Any) -> bool:
        return _staff(request) or not _creating(view)

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        return _staff(request) or _reading(request)


class TeamRecordRead(BasePermission):
    """Records of a team: members read them, staff change them."""

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        if _staff(request):
            return True
        return _reading(request) and _member(request.user, models.team_of(obj))


class AllocationRequestPermissions(TeamRecordRead):
    """The target team's owners/admins create requests."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if _staff(request) or _reading(request) or not _creating(view):
            return True
        team = _lookup(models.Team, _team_of(request))
        return team is not None and _privileged(request.user, team)


class AllocationReviewPermissions(TeamRecordRead):
    """Only staff create reviews."""

    def has_permission(self, request: Any, view: Any) -> bool:
        return _staff(request) or not _creating(view)


class RequestChildPermissions(TeamRecordRead):
    """Attachments (and allocations): the request's team owners/admins create them."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if _staff(request) or _reading(request) or not _creating(view):
            return True
        parent = _lookup(models.AllocationRequest, request.data.get("request"))
        return parent is not None and _privileged(request.user, parent.team)


class ResourceAllocationPermissions(RequestChildPermissions):
    """As for attachments, and the cluster must admit the request's team."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if _staff(request) or _reading(request):
            return True
        if not super().has_permission(request, view):
            return False
        if not _creating(view):
            return True
        cluster = _lookup(models.Cluster, request.data.get("cluster"))
        parent = _lookup(models.AllocationRequest, request.data.get("request"))
        return cluster is not None and parent is not None and cluster.admits(parent.team)


class CommentPermissions(BasePermission):
    """Team members comment; private comments are staff-only, even to read."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if _staff(request) or _reading(request) or not _creating(view):
            return True
        parent = _lookup(models.AllocationRequest, request.data.get("request"))
        return parent is not None and _member(request.user, parent.team)

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        return _staff(request) or (_member(request.user, models.team_of(obj)) and not obj.private)


class TeamMemberWrite(BasePermission):
    """Grants and publications: members of the named (or owning) team, or staff."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if _staff(request):
            return True
        team = _lookup(models.Team, _team_of(request))
        return team is None or _member(request.user, team)

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        return _staff(request) or _member(request.user, obj.team)


class NotificationPermissions(BasePermission):
    """A user reads and marks their own notifications."""

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        return request.method in (*SAFE_METHODS, "PATCH") and obj.user == request.user


class PreferencePermissions(BasePermission):
    """A user's own preferences, or staff."""

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        return _staff(request) or obj.user == request.user


class StaffRead(BasePermission):
    """Logs: staff read (writes fall through to the 405 of a read-only view)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        return _staff(request) or not _reading(request)


class ResearchGroupPermissions(BasePermission):
    """Keystone 0.4.x: any user reads and creates; staff, the PI and admins change and delete."""

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        return _reading(request) or _staff(request) or _privileged(request.user, obj)
