"""Clusters, allocation requests, the allocations they award and their reviews."""

from __future__ import annotations

from django.db import models

from keystone.testing.server.models.users import ResearchGroup, User


class Cluster(models.Model):
    """A managed Slurm cluster."""

    name = models.CharField(max_length=50)
    description = models.TextField(max_length=150, null=True, blank=True)
    enabled = models.BooleanField(default=True)

    class Meta:
        app_label = "keystone_emulator"


class AllocationRequest(models.Model):
    """A research group's request for service units."""

    group_path = "group"

    class Status(models.TextChoices):
        PENDING = "PD", "Pending"
        APPROVED = "AP", "Approved"
        DECLINED = "DC", "Declined"
        CHANGES = "CR", "Changes Requested"

    title = models.CharField(max_length=250)
    description = models.TextField(max_length=20000)
    submitted = models.DateField("Submission Date", auto_now_add=True)
    status = models.CharField(max_length=2, choices=Status.choices, default=Status.PENDING)
    active = models.DateField("Active Date", null=True, blank=True)
    expire = models.DateField("Expiration Date", null=True, blank=True)
    group = models.ForeignKey(ResearchGroup, on_delete=models.CASCADE)
    assignees = models.ManyToManyField(User, blank=True, related_name="assigned_requests")

    class Meta:
        app_label = "keystone_emulator"


class Allocation(models.Model):
    """Service units requested, awarded and used on one cluster."""

    group_path = "request__group"

    requested = models.PositiveIntegerField("Requested Service Units")
    awarded = models.PositiveIntegerField("Awarded Service Units", null=True, blank=True)
    final = models.PositiveIntegerField("Final Usage", null=True, blank=True)
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE)
    request = models.ForeignKey(AllocationRequest, on_delete=models.CASCADE)

    class Meta:
        app_label = "keystone_emulator"


class AllocationRequestReview(models.Model):
    """A staff reviewer's verdict on an allocation request."""

    group_path = "request__group"

    class Status(models.TextChoices):
        APPROVED = "AP", "Approved"
        DECLINED = "DC", "Declined"
        CHANGES = "CR", "Changes Requested"

    status = models.CharField(max_length=2, choices=Status.choices)
    public_comments = models.CharField(max_length=1600, null=True, blank=True)
    private_comments = models.CharField(max_length=1600, null=True, blank=True)
    date_modified = models.DateTimeField(auto_now=True)
    request = models.ForeignKey(AllocationRequest, on_delete=models.CASCADE)
    reviewer = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True)

    class Meta:
        app_label = "keystone_emulator"
