"""Query-parameter filtering generated from model field types, like Keystone's filter backend.

Every concrete field of a model gets the lookups its type supports: ``exact``, ``in`` (a
comma-separated list) and ``isnull`` for all; ``lt/lte/gt/gte`` for numbers, dates and times;
``contains/startswith/endswith`` for text; ``year/month/day/week/week_day`` for dates; and
``hour/minute/second`` for times. Unknown parameters are ignored, and a value that does not
parse answers 400 with django-filter's per-parameter messages (``{"id__gt": ["Enter a
number."]}``).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.db import models
from django_filters.rest_framework import DjangoFilterBackend, FilterSet

DEFAULT_LOOKUPS = ("exact", "in", "isnull")
NUMERIC_LOOKUPS = (*DEFAULT_LOOKUPS, "lt", "lte", "gt", "gte")
TEXT_LOOKUPS = (*DEFAULT_LOOKUPS, "contains", "startswith", "endswith")
DATE_LOOKUPS = (*NUMERIC_LOOKUPS, "year", "month", "day", "week", "week_day")
TIME_LOOKUPS = (*NUMERIC_LOOKUPS, "hour", "minute", "second")
DATETIME_LOOKUPS = (*DATE_LOOKUPS, "hour", "minute", "second")

# Checked in order, so subclasses come before their bases (DateTimeField is a DateField).
_LOOKUPS_BY_FIELD_TYPE: tuple[tuple[type[models.Field[Any, Any]], tuple[str, ...]], ...] = (
    (models.ForeignObject, DEFAULT_LOOKUPS),
    (models.BooleanField, DEFAULT_LOOKUPS),
    (models.DateTimeField, DATETIME_LOOKUPS),
    (models.DateField, DATE_LOOKUPS),
    (models.TimeField, TIME_LOOKUPS),
    (models.DurationField, NUMERIC_LOOKUPS),
    (models.IntegerField, NUMERIC_LOOKUPS),
    (models.DecimalField, NUMERIC_LOOKUPS),
    (models.FloatField, NUMERIC_LOOKUPS),
    (models.CharField, TEXT_LOOKUPS),
    (models.TextField, TEXT_LOOKUPS),
)


def lookups_for(field: models.Field[Any, Any]) -> tuple[str, ...]:
    """The lookups a model field is filterable by."""
    for field_type, lookups in _LOOKUPS_BY_FIELD_TYPE:
        if isinstance(field, field_type):
            return lookups
    return DEFAULT_LOOKUPS


@cache
def filterset_for(model: type[models.Model]) -> type[FilterSet]:
    """A FilterSet over every concrete (non many-to-many) field of ``model``."""
    fields = {field.name: list(lookups_for(field)) for field in model._meta.fields}
    meta = type("Meta", (), {"model": model, "fields": fields})
    return type(f"{model.__name__}FilterSet", (FilterSet,), {"Meta": meta})


class AdvancedFilterBackend(DjangoFilterBackend):
    """DRF filter backend using :func:`filterset_for` unless a view names its own FilterSet."""

    def get_filterset_class(self, view: Any, queryset: Any = None) -> Any:
        if getattr(view, "filterset_class", None) is not None or queryset is None:
            return super().get_filterset_class(view, queryset)
        return filterset_for(queryset.model)

    def filter_queryset(self, request: Any, queryset: Any, view: Any) -> Any:
        """Filter, skipping the costly form validation when no parameter names a filter.

        The result is the same either way (unknown parameters are ignored); building the
        filter form is most of the cost of a plain list request.
        """
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None:
            return queryset
        if request.query_params.keys() & filterset_class.base_filters.keys():
            return super().filter_queryset(request, queryset, view)
        return queryset
