"""Clusters, allocation requests and what hangs off them: allocations, reviews, comments, files.

Deleting a cluster that has allocations, or a user who submitted a request or wrote a review or
comment, is refused by the database layer (``PROTECT``); the real server lets that error through
as an HTML 500, and so does the emulator.
"""

from __future__ import annotations

import os
from typing import Any

from auditlog.models import AuditlogHistoryField
from auditlog.registry import auditlog
from django.db import models
from django.utils import timezone

from keystone.testing.server_v010.research.models import Grant, Publication
from keystone.testing.server_v010.users.models import Team, User


class ResourceAllocation(models.Model):
    """Service units requested, awarded and finally used on one cluster."""

    team_path = "request__team"

    requested = models.PositiveIntegerField()
    awarded = models.PositiveIntegerField(null=True, blank=True)
    final = models.PositiveIntegerField(null=True, blank=True)
    history = AuditlogHistoryField()
    cluster = models.ForeignKey("Cluster", on_delete=models.PROTECT, related_name="allocation_set")
    request = models.ForeignKey(
        "AllocationRequest", on_delete=models.CASCADE, related_name="allocation_set"
    )

    class Meta:
        app_label = "allocations"

    def __str__(self) -> str:
        return f"Resource Allocation #{self.pk}"


class AllocationRequest(models.Model):
    """A team's request for service units."""

    team_path = "team"

    class StatusChoices(models.TextChoices):
        PENDING = "PD", "Pending"
        APPROVED = "AP", "Approved"
        DECLINED = "DC", "Declined"
        CHANGES = "CR", "Changes Requested"

    title = models.CharField(max_length=250)
    description = models.TextField(max_length=20_000)
    submitted = models.DateTimeField(default=timezone.now)
    active = models.DateField(null=True, blank=True)
    expire = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=2, choices=StatusChoices.choices, default=StatusChoices.PENDING
    )
    history = AuditlogHistoryField()
    submitter = models.ForeignKey(  # required from 0.10.0; absent (0.4.x) or optional before
        User,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="submitted_allocationrequest_set",
    )
    team = models.ForeignKey(Team, on_delete=models.CASCADE)
    assignees = models.ManyToManyField(
        User, blank=True, related_name="assigned_allocationrequest_set"
    )
    publications = models.ManyToManyField(Publication, blank=True)
    grants = models.ManyToManyField(Grant, blank=True)

    class Meta:
        app_label = "allocations"

    def __str__(self) -> str:
        return f"Allocation Request #{self.pk} - '{self.title[:100]}'"


class AllocationReview(models.Model):
    """A staff reviewer's verdict on a request."""

    team_path = "request__team"
    #: Fields only releases up to 0.5.17 have (their searches reach them; later ones fail).
    legacy_fields = ("public_comments", "private_comments")

    class StatusChoices(models.TextChoices):
        APPROVED = "AP", "Approved"
        DECLINED = "DC", "Declined"
        CHANGES = "CR", "Changes Requested"

    status = models.CharField(max_length=2, choices=StatusChoices.choices)
    public_comments = models.TextField(max_length=1_600, null=True, blank=True)  # up to 0.5.17
    private_comments = models.TextField(max_length=1_600, null=True, blank=True)  # up to 0.5.17
    submitted = models.DateTimeField(default=timezone.now)
    history = AuditlogHistoryField()
    request = models.ForeignKey(AllocationRequest, on_delete=models.CASCADE)
    reviewer = models.ForeignKey(  # null: released by the deletion of its user before 0.10.4
        User, on_delete=models.PROTECT, null=True
    )

    class Meta:
        app_label = "allocations"

    def __str__(self) -> str:
        return f"Allocation Review #{self.pk}"


class Attachment(models.Model):
    """A file uploaded for a request; its name defaults to the stored file's name."""

    team_path = "request__team"

    file = models.FileField(upload_to="allocations")
    name = models.CharField(max_length=250, blank=True)
    uploaded = models.DateTimeField(auto_now=True)
    history = AuditlogHistoryField()
    request = models.ForeignKey("AllocationRequest", on_delete=models.CASCADE)

    class Meta:
        app_label = "allocations"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.name:
            self.name = os.path.basename(self.file.path)
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return f"Attachment #{self.pk} - '{self.name}'"


class Cluster(models.Model):
    """A Slurm cluster, open to every team, or to a whitelist, or to all but a blacklist."""

    class AccessModeChoices(models.TextChoices):
        WHITELIST = "WL", "Whitelist"
        BLACKLIST = "BL", "Blacklist"
        OPEN = "OP", "Open"

    name = models.CharField(max_length=50)  # unique from 0.6.4 on (the serializer checks)
    description = models.TextField(max_length=150, null=True, blank=True)
    enabled = models.BooleanField(default=True)
    access_mode = models.CharField(
        max_length=2, choices=AccessModeChoices.choices, default=AccessModeChoices.OPEN
    )
    access_teams = models.ManyToManyField(Team, blank=True)
    history = AuditlogHistoryField()

    class Meta:
        app_label = "allocations"

    def admits(self, team: Team) -> bool:
        """Whether ``team`` may hold allocations on this cluster."""
        listed = bool(self.access_teams.filter(pk=team.pk).exists())
        if self.access_mode == self.AccessModeChoices.WHITELIST:
            return listed
        if self.access_mode == self.AccessModeChoices.BLACKLIST:
            return not listed
        return True

    def __str__(self) -> str:
        return f"Cluster #{self.pk} - {self.name}"


class Comment(models.Model):
    """A note on a request; private ones are for staff only."""

    team_path = "request__team"

    content = models.TextField(max_length=2_000)
    created = models.DateTimeField(auto_now_add=True)
    private = models.BooleanField(default=False)
    history = AuditlogHistoryField()
    user = models.ForeignKey(User, on_delete=models.PROTECT)
    request = models.ForeignKey(
        "AllocationRequest", on_delete=models.CASCADE, related_name="comments"
    )

    class Meta:
        app_label = "allocations"

    def __str__(self) -> str:
        return f"Comment #{self.pk}"


class JobStats(models.Model):
    """A Slurm job's accounting record (``allocations/jobs/``, 0.6.10 to 0.10.2; read-only)."""

    team_path = "team"

    jobid = models.CharField(max_length=64, unique=True)
    account = models.CharField(max_length=128, null=True, blank=True)
    allocnodes = models.CharField(max_length=128, null=True, blank=True)
    alloctres = models.TextField(null=True, blank=True)
    derivedexitcode = models.CharField(max_length=16, null=True, blank=True)
    elapsed = models.DurationField(null=True, blank=True)
    end = models.DateTimeField(null=True, blank=True)
    group = models.CharField(max_length=128, null=True, blank=True)
    jobname = models.CharField(max_length=512, null=True, blank=True)
    nodelist = models.TextField(null=True, blank=True)
    priority = models.IntegerField(null=True, blank=True)
    partition = models.CharField(max_length=128, null=True, blank=True)
    qos = models.CharField(max_length=128, null=True, blank=True)
    start = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=64, null=True, blank=True)
    submit = models.DateTimeField(null=True, blank=True)
    username = models.CharField(max_length=128, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    team = models.ForeignKey(Team, on_delete=models.SET_NULL, null=True, blank=True)
    cluster = models.ForeignKey(Cluster, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        app_label = "allocations"


def team_of(record: Any) -> Team:
    """The team that owns a team-scoped record (via its model's ``team_path``)."""
    target = record
    for part in record.team_path.split("__"):
        target = getattr(target, part)
    return target  # type: ignore[no-any-return]


for _model in (ResourceAllocation, AllocationRequest, Attachment, Cluster):
    auditlog.register(_model)
auditlog.register(AllocationReview, exclude_fields=["public_comments", "private_comments"])
auditlog.register(Comment)
