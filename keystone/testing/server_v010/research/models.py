"""Grants and publications credited to a team."""

from __future__ import annotations

from auditlog.models import AuditlogHistoryField
from auditlog.registry import auditlog
from django.db import models

from keystone.testing.server_v010.users.models import Team


class Grant(models.Model):
    """A funding award."""

    team_path = "team"

    title = models.CharField(max_length=250)
    agency = models.CharField(max_length=100)
    pi = models.CharField(max_length=100, null=True, blank=True)
    amount = models.DecimalField(decimal_places=2, max_digits=14)
    grant_number = models.CharField(max_length=250, null=True, blank=True)
    fiscal_year = models.IntegerField(null=True, blank=True)  # up to 0.7.1
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    description = models.TextField(null=True, blank=True)
    history = AuditlogHistoryField()
    team = models.ForeignKey(Team, on_delete=models.CASCADE)

    class Meta:
        app_label = "research_products"

    def __str__(self) -> str:
        return f"Grant #{self.pk} - {self.title[:100]}"


class Publication(models.Model):
    """A paper, from draft (no dates) to submitted to published."""

    team_path = "team"

    title = models.CharField(max_length=250)
    abstract = models.TextField(null=True, blank=True)
    date = models.DateField("Publication Date", null=True, blank=True)  # up to 0.5.14
    published = models.DateField(null=True, blank=True)
    submitted = models.DateField(null=True, blank=True)
    preparation = models.BooleanField(default=False)  # 0.5.15 to 0.7.1: still in preparation
    journal = models.CharField(max_length=100, null=True, blank=True)
    doi = models.CharField(max_length=50, unique=True, null=True, blank=True)
    volume = models.CharField(max_length=20, null=True, blank=True)
    issue = models.CharField(max_length=20, null=True, blank=True)
    history = AuditlogHistoryField()
    team = models.ForeignKey(Team, on_delete=models.CASCADE)

    class Meta:
        app_label = "research_products"

    def __str__(self) -> str:
        return f"Publication #{self.pk} - {self.title[:100]}"


# The fields only older releases have are left out of the audit log (of 0.6.5 on), so the
# entries of later releases list the fields those have.
auditlog.register(Grant, exclude_fields=["fiscal_year"])
auditlog.register(Publication, exclude_fields=["date", "preparation"])
