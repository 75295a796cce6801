"""Research products (grants and publications) credited to a research group."""

from __future__ import annotations

from django.db import models

from keystone.testing.server.models.users import ResearchGroup


class Grant(models.Model):
    """A funding award."""

    group_path = "group"

    title = models.CharField(max_length=250)
    agency = models.CharField(max_length=100)
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    grant_number = models.CharField(max_length=250)
    fiscal_year = models.IntegerField()
    start_date = models.DateField()
    end_date = models.DateField()
    group = models.ForeignKey(ResearchGroup, on_delete=models.CASCADE)

    class Meta:
        app_label = "keystone_emulator"


class Publication(models.Model):
    """A published paper."""

    group_path = "group"

    title = models.CharField(max_length=250)
    abstract = models.TextField()
    date = models.DateField("Publication Date")
    journal = models.CharField(max_length=100)
    doi = models.CharField(max_length=50, null=True, blank=True)
    group = models.ForeignKey(ResearchGroup, on_delete=models.CASCADE)

    class Meta:
        app_label = "keystone_emulator"
