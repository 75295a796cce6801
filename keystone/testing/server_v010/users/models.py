"""Users, teams and the memberships that give users a role in a team."""

from __future__ import annotations

from typing import Any, ClassVar

from auditlog.models import AuditlogHistoryField
from auditlog.registry import auditlog
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.db import models
from django.utils import timezone
from django.utils.text import slugify


class Membership(models.Model):
    """A user's role (owner, admin or member) in one team."""

    class Role(models.TextChoices):
        OWNER = "OW", "Owner"
        ADMIN = "AD", "Admin"
        MEMBER = "MB", "Member"

    role = models.CharField(max_length=2, choices=Role.choices)
    history = AuditlogHistoryField()
    user = models.ForeignKey("User", related_name="membership", on_delete=models.CASCADE)
    team = models.ForeignKey("Team", related_name="membership", on_delete=models.CASCADE)

    class Meta:
        app_label = "users"
        constraints = (models.UniqueConstraint(fields=("user", "team"), name="unique_user_team"),)


class TeamManager(models.Manager["Team"]):
    """Team lookups by member."""

    def teams_for_user(self, user: Any) -> models.QuerySet[Team]:
        """Every team ``user`` belongs to, active or not."""
        return self.filter(membership__user=user)


class Team(models.Model):
    """A group of users sharing requests, allocations and research products."""

    name = models.CharField(max_length=255, unique=True)
    slug = models.SlugField(max_length=255, unique=True)
    is_active = models.BooleanField(default=True)
    users = models.ManyToManyField("User", through=Membership)
    history = AuditlogHistoryField()

    objects = TeamManager()

    class Meta:
        app_label = "users"

    def privileged_members(self) -> models.QuerySet[User]:
        """Owners and admins."""
        roles = [Membership.Role.ADMIN, Membership.Role.OWNER]
        return self.users.filter(membership__role__in=roles)

    def save(self, *args: Any, **kwargs: Any) -> None:
        """The slug always follows the name."""
        self.slug = slugify(self.name)
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return f"Team #{self.pk} - {self.name}"


class UserManager(BaseUserManager["User"]):
    """The default manager Django's authentication expects."""


class User(AbstractBaseUser, PermissionsMixin):
    """Keystone's user; ``password`` and ``last_login`` are redeclared to keep the real order."""

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    username = models.CharField(
        max_length=150, unique=True, validators=[UnicodeUsernameValidator()]
    )
    password = models.CharField(max_length=128)
    first_name = models.CharField(max_length=150, null=True, blank=True)
    last_name = models.CharField(max_length=150, null=True, blank=True)
    email = models.EmailField(null=True, blank=True)
    department = models.CharField(max_length=1000, null=True, blank=True)
    role = models.CharField(max_length=1000, null=True, blank=True)
    history = AuditlogHistoryField()
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField("staff status", default=False)
    is_ldap_user = models.BooleanField("LDAP User", default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    last_login = models.DateTimeField(null=True)

    objects = UserManager()

    class Meta:
        app_label = "users"

    @property
    def display_name(self) -> str:
        """Full name when both parts are known, else the first name or the username."""
        if self.first_name and self.last_name:
            return f"{self.first_name} {self.last_name}"
        return str(self.first_name or self.username)

    @property
    def abbreviation(self) -> str:
        """Upper-case initials, or the first two letters of the username."""
        if self.first_name and self.last_name:
            letters = f"{self.first_name[0]}{self.last_name[0]}"
        elif self.first_name:
            letters = self.first_name[0]
        else:
            letters = self.username[:2]
        return letters.upper()

    def __str__(self) -> str:
        return f"User #{self.pk} - {self.username}"


auditlog.register(Membership)
auditlog.register(Team)
auditlog.register(User, exclude_fields=["last_login"], mask_fields=["password"])
