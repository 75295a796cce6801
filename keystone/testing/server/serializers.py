"""Model serializers: the JSON shape of every record, as in the Keystone 0.3.26 OpenAPI spec.

Field order, nullability, read-only flags and enums follow the spec's component schemas; the
validation messages are DRF's own.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from keystone.testing.server import models


def _model_serializer(model: type[Any], *, read_only: tuple[str, ...] = ()) -> type[Any]:
    """A plain ``ModelSerializer`` over every field of ``model``."""
    meta = type("Meta", (), {"model": model, "fields": "__all__", "read_only_fields": read_only})
    name = f"{model.__name__}Serializer"
    doc = f"Object serializer for the `{model.__name__}` class."
    return type(name, (serializers.ModelSerializer,), {"Meta": meta, "__doc__": doc})


ClusterSerializer = _model_serializer(models.Cluster)
AllocationSerializer = _model_serializer(models.Allocation)
AllocationRequestSerializer = _model_serializer(models.AllocationRequest)
AllocationRequestReviewSerializer = _model_serializer(models.AllocationRequestReview)
ResearchGroupSerializer = _model_serializer(models.ResearchGroup)
GrantSerializer = _model_serializer(models.Grant)
PublicationSerializer = _model_serializer(models.Publication)
AppLogSerializer = _model_serializer(models.AppLog)
RequestLogSerializer = _model_serializer(models.RequestLog)
TaskResultSerializer = _model_serializer(models.TaskResult, read_only=("result", "meta"))

USER_FIELDS = (
    "id",
    "is_superuser",
    "username",
    "password",
    "first_name",
    "last_name",
    "email",
    "department",
    "role",
    "is_active",
    "is_staff",
    "is_ldap_user",
    "date_joined",
    "last_login",
    "groups",
    "user_permissions",
)


class PrivilegedUserSerializer(serializers.ModelSerializer):
    """Users as staff see and edit them: every administrative field is writable."""

    password = serializers.CharField(write_only=True, max_length=128)

    class Meta:
        model = models.User
        fields = USER_FIELDS
        read_only_fields: tuple[str, ...] = ("date_joined", "last_login")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """Check a new password with the server's password validators."""
        password = attrs.get("password")
        if password is not None:
            candidate = self.instance or models.User(
                **{k: v for k, v in attrs.items() if k not in ("groups", "user_permissions")}
            )
            try:
                password_validation.validate_password(password, candidate)
            except DjangoValidationError as exc:
                raise serializers.ValidationError({"password": exc.messages}) from exc
        return attrs

    def create(self, validated_data: dict[str, Any]) -> Any:
        """Store the password hashed, never as given."""
        password = validated_data.pop("password", None)
        user = super().create(validated_data)
        user.set_password(password)
        user.save(update_fields=["password"])
        return user

    def update(self, instance: Any, validated_data: dict[str, Any]) -> Any:
        """Hash a changed password."""
        password = validated_data.pop("password", None)
        user = super().update(instance, validated_data)
        if password is not None:
            user.set_password(password)
            user.save(update_fields=["password"])
        return user


class RestrictedUserSerializer(PrivilegedUserSerializer):
    """Users as everyone else sees them: administrative fields are read-only."""

    class Meta(PrivilegedUserSerializer.Meta):
        read_only_fields = (
            "is_superuser",
            "is_active",
            "is_staff",
            "is_ldap_user",
            "date_joined",
            "last_login",
            "groups",
            "user_permissions",
        )
