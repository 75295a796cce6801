"""The JSON shape of every record of the 0.4.1 to 0.10.9 profiles, with the servers' validation.

Each serializer declares every field any of those releases answered (the ``_``-prefixed
read-only copies of its links, and the fields releases renamed or dropped: a request's
``group`` up to 0.4.1, a review's ``public_comments`` up to 0.5.17, a team's writable
``membership`` from 0.6.0 to 0.8.7); :class:`~keystone.testing.server_v010.shaping.Shaped`
keeps the imitated release's, in its order. The validation messages are the real server's
where it adds its own rules, DRF's and Django's everywhere else.
"""

from __future__ import annotations

from mimetypes import guess_type
from typing import Any, ClassVar

from django.contrib.auth import password_validation
from django.contrib.auth.hashers import make_password
from django.utils.text import slugify
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from keystone.testing.server_v010 import models, nested, release
from keystone.testing.server_v010.settings import ALLOWED_FILE_TYPES, MAX_FILE_SIZE
from keystone.testing.server_v010.shaping import Shaped

BY_NON_STAFF = "by non-staff users"


def _requester(serializer: serializers.Serializer) -> Any:
    request = serializer.context.get("request")
    return getattr(request, "user", None)


def _is_staff(serializer: serializers.Serializer) -> bool:
    user = _requester(serializer)
    return bool(user is not None and user.is_staff)


class MembershipSerializer(Shaped, serializers.ModelSerializer):
    release_path = "users/memberships"

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


class PrivilegedUserSerializer(Shaped, serializers.ModelSerializer):
    """Users as staff see and write them; the password is validated and stored hashed."""

    release_path = "users/users"

    display_name = serializers.CharField(read_only=True)
    abbreviation = serializers.CharField(read_only=True)
    _membership = nested.TeamRoleSerializer(source="membership", many=True, read_only=True)
    membership = nested.TeamRoleSerializer(many=True, read_only=True)  # 0.6.0 to 0.8.7
    _history = nested.history()
    profile_image = serializers.SerializerMethodField()  # 0.4.1 to 0.10.1

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

    def get_profile_image(self, obj: Any) -> str:
        """The generated avatar's URL (the emulator generates none: the URL is all it shows)."""
        return f"/media/profile_images/{obj.username}.png"


class RestrictedUserSerializer(PrivilegedUserSerializer):
    """Users as everyone else sees them: administrative flags read-only (but not superuser)."""

    class Meta(PrivilegedUserSerializer.Meta):
        read_only_fields = ("is_active", "is_staff", "is_ldap_user", "date_joined", "last_login")


class TeamSerializer(Shaped, serializers.ModelSerializer):
    release_path = "users/teams"

    slug = serializers.SlugField(read_only=True)
    is_active = serializers.BooleanField(default=True)
    _membership = nested.UserRoleSerializer(source="membership", many=True, read_only=True)
    membership = nested.UserRoleSerializer(many=True, required=False)  # 0.6.0 to 0.8.7
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

    def create(self, validated_data: dict[str, Any]) -> Any:
        roles = validated_data.pop("membership", None)
        team = super().create(validated_data)
        if roles:
            self._set_roles(team, roles, replace=True)
        return team

    def update(self, instance: Any, validated_data: dict[str, Any]) -> Any:
        roles = validated_data.pop("membership", None)
        team = super().update(instance, validated_data)
        if roles is not None:  # PUT replaces the memberships, PATCH adds or changes them
            self._set_roles(team, roles, replace=not self.partial)
        return team

    @staticmethod
    def _set_roles(team: Any, roles: list[dict[str, Any]], *, replace: bool) -> None:
        """The nested ``membership`` writes of 0.6.0 to 0.8.7: each ``{user, role}``."""
        if replace:
            team.membership.exclude(user__in=[entry["user"] for entry in roles]).delete()
        for entry in roles:
            models.Membership.objects.update_or_create(
                team=team, user=entry["user"], defaults={"role": entry["role"]}
            )


class TeamUpdateSerializer(TeamSerializer):
    """Updates cannot rename a team: ``name`` is silently read-only (as on the real server)."""

    name = serializers.CharField(read_only=True)


class AllocationRequestSerializer(Shaped, serializers.ModelSerializer):
    release_path = "allocations/requests"

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
    group = serializers.PrimaryKeyRelatedField(  # the research group of 0.4.x: a team here
        source="team", queryset=models.Team.objects.all()
    )
    allocations = serializers.ListField(  # 0.9.3 to 0.9.5: made with the request, at once
        child=serializers.DictField(), write_only=True, required=False
    )

    class Meta:
        model = models.AllocationRequest
        fields = "__all__"
        extra_kwargs: ClassVar[dict[str, Any]] = {"submitted": {"read_only": True}}

    def create(self, validated_data: dict[str, Any]) -> Any:
        inline = validated_data.pop("allocations", None) or []
        request = super().create(validated_data)
        for entry in inline:
            models.ResourceAllocation.objects.create(
                request=request, cluster_id=entry.get("cluster"), requested=entry.get("requested")
            )
        return request

    def get__comments(self, obj: Any) -> Any:
        """Comments oldest first; private ones only for staff."""
        comments = obj.comments.order_by("created")
        if not _is_staff(self):
            comments = comments.filter(private=False)
        return nested.CommentSummarySerializer(comments, many=True).data


class AllocationReviewSerializer(Shaped, serializers.ModelSerializer):
    release_path = "allocations/reviews"

    date_modified = serializers.DateTimeField(source="submitted", read_only=True)  # 0.4.x
    last_modified = serializers.DateTimeField(source="submitted", read_only=True)  # 0.5.x
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


class ResourceAllocationSerializer(Shaped, serializers.ModelSerializer):
    release_path = "allocations/allocations"

    _cluster = nested.ClusterSummarySerializer(source="cluster", read_only=True)
    _request = nested.AllocationRequestSummarySerializer(source="request", read_only=True)
    _history = nested.history()

    class Meta:
        model = models.ResourceAllocation
        fields = "__all__"


class AttachmentSerializer(Shaped, serializers.ModelSerializer):
    """``file`` is answered as its storage path; its type is judged from its extension."""

    release_path = "allocations/attachments"

    file = serializers.FileField(use_url=False)
    name = serializers.CharField(required=False)
    path = serializers.SerializerMethodField()  # 0.5.3 to 0.6.0: read-only, nothing uploads
    _request = nested.AllocationRequestSummarySerializer(source="request", read_only=True)
    _history = nested.history()

    class Meta:
        model = models.Attachment
        fields = "__all__"

    @staticmethod
    def get_path(obj: Any) -> str | None:
        return obj.file.name or None

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


class ClusterSerializer(Shaped, serializers.ModelSerializer):
    release_path = "allocations/clusters"

    _access_teams = nested.TeamSummarySerializer(source="access_teams", many=True, read_only=True)
    _history = nested.history()

    class Meta:
        model = models.Cluster
        fields = "__all__"

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        if "name" in fields and release.current.at_least("0.6.4"):  # unique from 0.6.4 on
            fields["name"].validators.append(
                UniqueValidator(
                    queryset=models.Cluster.objects.all(),
                    message="cluster with this name already exists.",
                )
            )
        return fields


class CommentSerializer(Shaped, serializers.ModelSerializer):
    release_path = "allocations/comments"

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


class GrantSerializer(Shaped, serializers.ModelSerializer):
    release_path = "research/grants"

    _team = nested.TeamSummarySerializer(source="team", read_only=True)
    _history = nested.history()
    group = serializers.PrimaryKeyRelatedField(  # the research group of 0.4.x: a team here
        source="team", queryset=models.Team.objects.all()
    )

    class Meta:
        model = models.Grant
        fields = "__all__"


class PublicationSerializer(Shaped, serializers.ModelSerializer):
    release_path = "research/publications"

    _team = nested.TeamSummarySerializer(source="team", read_only=True)
    _history = nested.history()
    group = serializers.PrimaryKeyRelatedField(  # the research group of 0.4.x: a team here
        source="team", queryset=models.Team.objects.all()
    )

    class Meta:
        model = models.Publication
        fields = "__all__"


class ResearchGroupSerializer(Shaped, serializers.ModelSerializer):
    """A research group of Keystone 0.4.x, kept as a team: its ``pi`` is the team's owner, its
    ``admins`` its admins and its ``members`` its members."""

    release_path = "users/researchgroups"

    pi = serializers.PrimaryKeyRelatedField(queryset=models.User.objects.all())
    admins = serializers.PrimaryKeyRelatedField(
        queryset=models.User.objects.all(), many=True, required=False
    )
    members = serializers.PrimaryKeyRelatedField(
        queryset=models.User.objects.all(), many=True, required=False
    )
    is_active = serializers.BooleanField(default=True)

    class Meta:
        model = models.Team
        fields = ("id", "name", "is_active", "pi", "admins", "members")

    _ROLES: ClassVar[dict[str, str]] = {"pi": "OW", "admins": "AD", "members": "MB"}

    def to_representation(self, instance: Any) -> dict[str, Any]:
        by_role: dict[str, list[int]] = {"OW": [], "AD": [], "MB": []}
        for membership in instance.membership.order_by("id"):
            by_role[membership.role].append(membership.user_id)
        return {
            "id": instance.pk,
            "name": instance.name,
            "is_active": instance.is_active,
            "pi": by_role["OW"][0] if by_role["OW"] else None,
            "admins": by_role["AD"],
            "members": by_role["MB"],
        }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if name := attrs.get("name"):
            attrs["slug"] = slugify(name)
        validated: dict[str, Any] = super().validate(attrs)
        return validated

    def create(self, validated_data: dict[str, Any]) -> Any:
        people = {key: validated_data.pop(key, None) for key in self._ROLES}
        team = models.Team.objects.create(**validated_data)
        self._set_people(team, people)
        return team

    def update(self, instance: Any, validated_data: dict[str, Any]) -> Any:
        people = {key: validated_data.pop(key, None) for key in self._ROLES}
        for name, value in validated_data.items():
            setattr(instance, name, value)
        instance.save()
        self._set_people(instance, people)
        return instance

    def _set_people(self, team: Any, people: dict[str, Any]) -> None:
        for key, role in self._ROLES.items():
            given = people.get(key)
            if given is None:
                continue
            users = [given] if key == "pi" else list(given)
            team.membership.filter(role=role).exclude(user__in=users).delete()
            for user in users:
                models.Membership.objects.update_or_create(
                    team=team, user=user, defaults={"role": role}
                )


class JobStatsSerializer(Shaped, serializers.ModelSerializer):
    release_path = "allocations/jobs"

    _team = nested.TeamSummarySerializer(source="team", read_only=True)
    _cluster = nested.ClusterSummarySerializer(source="cluster", read_only=True)

    class Meta:
        model = models.JobStats
        fields = "__all__"
