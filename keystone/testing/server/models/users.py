"""Users and research groups, the two records every permission rule is built on."""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """Keystone's user: Django's user with nullable names and Keystone's profile fields."""

    first_name = models.CharField(max_length=150, null=True, blank=True)
    last_name = models.CharField(max_length=150, null=True, blank=True)
    email = models.EmailField(max_length=254, null=True, blank=True)
    department = models.CharField(max_length=1000, null=True, blank=True)
    role = models.CharField(max_length=1000, null=True, blank=True)
    is_ldap_user = models.BooleanField("LDAP User", default=False)

    class Meta:
        app_label = "keystone_emulator"


class ResearchGroupQuerySet(models.QuerySet["ResearchGroup"]):
    """Group lookups by the role a user plays in them."""

    def privileged(self, user: Any) -> ResearchGroupQuerySet:
        """Groups where ``user`` is the PI or one of the admins."""
        matching = self.filter(models.Q(pi=user) | models.Q(admins=user))
        return cast(ResearchGroupQuerySet, matching.distinct())

    def affiliated(self, user: Any) -> ResearchGroupQuerySet:
        """Groups where ``user`` is the PI, an admin or a member."""
        matching = self.filter(models.Q(pi=user) | models.Q(admins=user) | models.Q(members=user))
        return cast(ResearchGroupQuerySet, matching.distinct())


class ResearchGroup(models.Model):
    """A research group: one PI, optional admins and members."""

    name = models.CharField(max_length=255)
    pi = models.ForeignKey(User, on_delete=models.CASCADE, related_name="pi_of")
    admins = models.ManyToManyField(User, blank=True, related_name="admin_of")
    members = models.ManyToManyField(User, blank=True, related_name="member_of")
    is_active = models.BooleanField(default=True)

    objects = ResearchGroupQuerySet.as_manager()

    class Meta:
        app_label = "keystone_emulator"

    def __str__(self) -> str:
        return str(self.name)
