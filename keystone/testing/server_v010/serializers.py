"""The JSON shape of every record of the v0.10.9 profile, with the real server's validation.

Each serializer lists the ``_``-prefixed read-only copies of its links before the model's own
fields (``fields = "__all__"`` puts declared fields right after ``id``), which is the order the
real server answers in. The validation messages are the real server's where it adds its own
rules, DRF's and Django's everywhere else.
"""

from __future__ import annotations

from mimetypes import guess_type
from typing import Any, ClassVar

from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.utils.text import slugify
from rest_framework import serializers

from keystone.testing.server_v010 import models, nested
from keystone.testing.server_v010.settings import ALLOWED_FILE_TYPES, MAX_FILE_SIZE

BY_NON_STAFF = "by non-staff users"


def _requester(serializer: serializers.Serializer) -> Any:
    request = serializer.context.get("request")
    return getattr(request, "user", None)


def _is_staff(serializer: serializers.Serializer) -> bool:
    user = _requester(serializer)
    return bool(user is not None and user.is_staff)


class MembershipSerializer(serializers.ModelSerializer):
    _user = nested.UserSummarySerializer(source="user", read_only=True)
    _team = nested.TeamSummarySerializer(source="team", read_only=True)
    _history = nested.history()

    class Meta:
        model = models.Membership
        fields = "__all__"

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        team = attrs.get("team")
        if team is not None and not team.is_active and not _is_staff(self):
            raise serializers.ValidationError(
                {"team": "Non-staff cannot create a membership for an inactive team."}
            )
        validated: dict[str, Any] = super().validate(attrs)
        return validated


class PrivilegedUserSerializer(serializers.ModelSerializer):
    """Users as staff see and write them; the password is validated and stored hashed."""

    display_name = serializers.CharField(read_only=True)
    abbreviation = serializers.CharField(read_only=True)
    _membership = nested.TeamRoleSerializer(source="membership", many=True, read_only=True)
    _history = nested.history()

    class Meta:
        model = models.User
        fields = "__all__"
        read_only_fields: tuple[str, ...] = ("date_joined", "last_login")
        extra_kwargs: ClassVar[dict[str, Any]] = {"password": {"write_only": True}}

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "password" in attrs:
            password_validation.validate_password(attrs["password"])
            attrs["password"] = make_password(attrs["password"])
        validated: dict[str, Any] = super().validate(attrs)
        return validated


class RestrictedUserSerializer(PrivilegedUserSerializer):
    """Users as everyone else sees them: administrative flags read-only (but not superuser)."""

    class Meta(PrivilegedUserSerializer.Meta):
        read_only_fields = ("is_active", "is_staff", "is_ldap_user", "date_joined", "last_login")


class TeamSerializer(serializers.ModelSerializer):
    slug = serializers.SlugField(read_only=True)
    is_active = serializers.BooleanField(default=True)
    _membership = nested.UserRoleSerializer(source="membership", many=True, read_only=True)
    _history = nested.history()

    class Meta:
        model = models.Team
        fields = "__all__"

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is None and not attrs.get("is_active", True) and not _is_staff(self):
            raise serializers.ValidationError(
                {"is_active": f"This field cannot be set to False on new records {BY_NON_STAFF}."}
            )
        if name := attrs.get("name"):
            slug = slugify(name)
            clashing = models.Team.objects.filter(slug=slug)
            if self.instance is not None:
                clashing = clashing.exclude(pk=self.instance.pk)
            if clashing.exists():
                raise serializers.ValidationError({"name": "A team with this name already exists."})
            attrs["slug"] = slug
        validated: dict[str, Any] = super().validate(attrs)
        return validated


class TeamUpdateSerializer(TeamSerializer):
    """Updates cannot rename a team: ``name`` is silently read-only (as on the real server)."""

    name = serializers.CharField(read_only=True)


class AllocationRequestSerializer(serializers.ModelSerializer):
    _submitter = nested.UserSummarySerializer(source="submitter", read_only=True)
    _team = nested.TeamSummarySerializer(source="team", read_only=True)
    _assignees = nested.UserSummarySerializer(source="assignees", many=True, read_only=True)
    _publications = nested.PublicationSummarySerializer(
        source="publications", many=True, read_only=True
    )
    _grants = nested.GrantSummarySerializer(source="grants", many=True, read_only=True)
    _history = nested.history()
    _allocations = nested.ResourceAllocationSummarySerializer(
        source="allocation_set", many=True, read_only=True
    )
    _attachments = nested.AttachmentSummarySerializer(
        source="attachment_set", many=True, read_only=True
    )
    _comments = serializers.SerializerMethodField()

    class Meta:
        model = models.AllocationRequest
        fields = "__all__"
        extra_kwargs: ClassVar[dict[str, Any]] = {"submitted": {"read_only": True}}

    def get__comments(self, obj: Any) -> Any:
        """Comments oldest first; private ones only for staff."""
        comments = obj.comments.order_by("created")
        if not _is_staff(self):
            comments = comments.filter(private=False)
        return nested.CommentSummarySerializer(comments, many=True).data


class AllocationReviewSerializer(serializers.ModelSerializer):
    _request = nested.AllocationRequestSummarySerializer(source="request", read_only=True)
    _reviewer = nested.UserSummarySerializer(source="reviewer", read_only=True)
    _history = nested.history()

    class Meta:
        model = models.AllocationReview
        fields = "__all__"
        extra_kwargs: ClassVar[dict[str, Any]] = {
            "reviewer": {"required": False},
            "submitted": {"read_only": True},
        }

    def validate_reviewer(self, value: Any) -> Any:
        if value != _requester(self):
            raise serializers.ValidationError(
                "Reviewer cannot be set to a different user than the submitter."
            )
        return value


class ResourceAllocationSerializer(serializers.ModelSerializer):
    _cluster = nested.ClusterSummarySerializer(source="cluster", read_only=True)
    _request = nested.AllocationRequestSummarySerializer(source="request", read_only=True)
    _history = nested.history()

    class Meta:
        model = models.ResourceAllocation
        fields = "__all__"


class AttachmentSerializer(serializers.ModelSerializer):
    """``file`` is answered as its storage path; its type is judged from its extension."""

    file = serializers.FileField(use_url=False)
    name = serializers.CharField(required=False)
    _request = nested.AllocationRequestSummarySerializer(source="request", read_only=True)
    _history = nested.history()

    class Meta:
        model = models.Attachment
        fields = "__all__"

    @staticmethod
    def validate_file(value: Any) -> Any:
        if value.size > MAX_FILE_SIZE:
            limit = MAX_FILE_SIZE / (1024 * 1024)
            raise serializers.ValidationError(f"File size should not exceed {limit:.2f} MB.")
        mime_type, _ = guess_type(value.name)
        if mime_type is None:
            raise serializers.ValidationError("File type could not be resolved.")
        if mime_type not in ALLOWED_FILE_TYPES:
            raise serializers.ValidationError(f"File type '{mime_type}' is not allowed.")
        return value


class ClusterSerializer(serializers.ModelSerializer):
    _access_teams = nested.TeamSummarySerializer(source="access_teams", many=True, read_only=True)
    _history = nested.history()

    class Meta:
        model = models.Cluster
        fields = "__all__"


class CommentSerializer(serializers.ModelSerializer):
    user = serializers.PrimaryKeyRelatedField(
        queryset=models.User.objects.all(), default=serializers.CurrentUserDefault()
    )
    _user = nested.UserSummarySerializer(source="user", read_only=True)
    _request = nested.AllocationRequestSummarySerializer(source="request", read_only=True)
    _history = nested.history()

    class Meta:
        model = models.Comment
        fields = "__all__"

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        private = attrs.get("private", False) or bool(self.instance and self.instance.private)
        if private and not _is_staff(self):
            raise serializers.ValidationError(
                {"private": "Only staff users can write comments marked as private."}
            )
        validated: dict[str, Any] = super().validate(attrs)
        return validated


class GrantSerializer(serializers.ModelSerializer):
    _team = nested.TeamSummarySerializer(source="team", read_only=True)
    _history = nested.history()

    class Meta:
        model = models.Grant
        fields = "__all__"


class PublicationSerializer(serializers.ModelSerializer):
    _team = nested.TeamSummarySerializer(source="team", read_only=True)
    _history = nested.history()

    class Meta:
        model = models.Publication
        fields = "__all__"
