"""Who may read and write what, as on the real server.

Read visibility of group-owned records is enforced by the views' querysets (a record outside
the user's groups is simply not found); these classes decide writes. A denied write answers 403
``{"detail": "You do not have permission to perform this action."}`` (DRF's message), and an
unauthenticated request answers 401 because every view also requires authentication.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission

from keystone.testing.server.models import ResearchGroup


def is_staff(request: Any) -> bool:
    """Staff and superusers may do everything."""
    user = request.user
    return bool(user and user.is_authenticated and (user.is_staff or user.is_superuser))


def group_of(obj: Any) -> Any:
    """The research group that owns a record (via its model's ``group_path``)."""
    target = obj
    for part in obj.group_path.split("__"):
        target = getattr(target, part)
    return target


def _requested_group(request: Any) -> Any:
    """The group named by the request body's ``group`` field, or None if absent or unknown.

    An absent or invalid ``group`` is left for the serializer to reject with a 400.
    """
    try:
        group_id = request.data.get("group")
    except AttributeError:
        return None
    if group_id in (None, ""):
        return None
    try:
        return ResearchGroup.objects.filter(pk=int(group_id)).first()
    except (TypeError, ValueError):
        return None


def _in_group(user: Any, group: Any, *, privileged_only: bool) -> bool:
    groups = ResearchGroup.objects.filter(pk=group.pk)
    groups = groups.privileged(user) if privileged_only else groups.affiliated(user)
    return bool(groups.exists())


class StaffWriteAuthenticatedRead(BasePermission):
    """Clusters, allocations, reviews: any authenticated user reads, staff writes."""

    def has_permission(self, request: Any, view: Any) -> bool:
        return request.method in SAFE_METHODS or is_staff(request)


class StaffOrSelfWrite(BasePermission):
    """Users: everyone reads, staff create and delete, a user may update their own record."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if request.method in SAFE_METHODS or is_staff(request):
            return True
        return request.method in ("PUT", "PATCH")

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        if request.method in SAFE_METHODS or is_staff(request):
            return True
        return bool(obj.pk == request.user.pk)


class GroupRoleWrite(BasePermission):
    """Writes by staff or by users holding a role in the record's research group.

    ``privileged_only`` limits the role to the PI and admins; otherwise members qualify too.
    ``staff_only_changes`` keeps updates and deletes for staff (creation is still allowed to
    the group's privileged users). A write that names a ``group`` must also hold the role in
    that group, so nobody can create or move a record into a group they do not belong to.
    """

    privileged_only = True
    staff_only_changes = False

    def has_permission(self, request: Any, view: Any) -> bool:
        if request.method in SAFE_METHODS or is_staff(request):
            return True
        if request.method != "POST" and self.staff_only_changes:
            return False
        group = _requested_group(request)
        if group is None:
            return True
        return _in_group(request.user, group, privileged_only=self.privileged_only)

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        if request.method in SAFE_METHODS or is_staff(request):
            return True
        return _in_group(request.user, group_of(obj), privileged_only=self.privileged_only)


class GroupAdminCreateStaffChange(GroupRoleWrite):
    """Allocation requests: the group's PI/admins create, staff update and delete."""

    staff_only_changes = True


class GroupAdminWrite(GroupRoleWrite):
    """Grants: the group's PI/admins write."""


class GroupMemberWrite(GroupRoleWrite):
    """Publications: any member of the group writes."""

    privileged_only = False


class ResearchGroupWrite(BasePermission):
    """Research groups: any authenticated user creates; staff or the PI/admins change."""

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        if request.method in SAFE_METHODS or is_staff(request):
            return True
        return _in_group(request.user, obj, privileged_only=True)


class StaffOnly(BasePermission):
    """Logs: staff only, reads included."""

    def has_permission(self, request: Any, view: Any) -> bool:
        return is_staff(request)
