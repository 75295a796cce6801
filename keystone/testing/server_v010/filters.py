"""Query-parameter filters generated from model field types, with negated lookups.

As on the real server, each concrete field whose exact type is in :data:`LOOKUPS_BY_FIELD_TYPE`
gets ``field`` (exact), ``field__not_eq``, ``field__in`` and ``field__not_in`` (comma-separated
lists), ``field__isnull`` and ``field__not_isnull``, plus comparisons for numbers and dates,
``contains``/``startswith``/``endswith`` and their ``not_`` forms for text, and date and time
parts; each list keeps those of the imitated release (no negations before 0.9.3, the first
three from 0.9.3, ``not_isnull`` dropped and the others added at 0.10.7). The match is on the
exact field class, so one-to-one links, many-to-many links, JSON fields and reverse relations
get no filter at all, and a parameter naming them is ignored like any unknown one. A value that
does not parse answers 400 with django-filter's messages; an invalid boolean is ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from django.core.exceptions import FieldError
from django.db import models
from django_filters import rest_framework as filters
from rest_framework.filters import SearchFilter

from keystone.testing.server.filters import AdvancedFilterBackend
from keystone.testing.server_v010 import release


@dataclass(frozen=True)
class Lookup:
    """One query parameter per field: ``<field>__<suffix>`` filtering with ``expr``."""

    expr: str
    negate: bool = False
    suffix: str | None = ""  # "" means the expression itself; None means the bare field name

    def parameter(self, field_name: str) -> str:
        if self.suffix is None:
            return field_name
        return f"{field_name}__{self.suffix or self.expr}"

    def build(self, field: Any) -> filters.Filter:
        """The django-filter ``Filter`` for ``field``; ``in`` lookups take comma lists."""
        built = filters.FilterSet.filter_for_field(field, field.name, self.expr)
        built.exclude = self.negate
        if self.expr == "in" and not isinstance(built, filters.BaseInFilter):
            in_class = type(f"In{type(built).__name__}", (filters.BaseInFilter, type(built)), {})
            built = in_class(field_name=built.field_name, lookup_expr="in", exclude=self.negate)
        return built


DEFAULT = (
    Lookup("exact", suffix=None),
    Lookup("exact", negate=True, suffix="not_eq"),
    Lookup("in"),
    Lookup("in", negate=True, suffix="not_in"),
    Lookup("isnull"),
    Lookup("isnull", negate=True, suffix="not_isnull"),
)
NUMERIC = (*DEFAULT, Lookup("lt"), Lookup("lte"), Lookup("gt"), Lookup("gte"))
TEXT = (
    *DEFAULT,
    *(
        lookup
        for expr in ("contains", "startswith", "endswith")
        for lookup in (Lookup(expr), Lookup(expr, negate=True, suffix=f"not_{expr}"))
    ),
)
_DATE_PARTS = tuple(Lookup(part) for part in ("year", "month", "day", "week", "week_day"))
_TIME_PARTS = tuple(Lookup(part) for part in ("hour", "minute", "second"))

LOOKUPS_BY_FIELD_TYPE: dict[type[Any], tuple[Lookup, ...]] = {
    models.AutoField: NUMERIC,
    models.BigAutoField: NUMERIC,
    models.BigIntegerField: NUMERIC,
    models.BooleanField: DEFAULT,
    models.CharField: TEXT,
    models.DateField: (*NUMERIC, *_DATE_PARTS),
    models.DateTimeField: (*NUMERIC, *_DATE_PARTS, *_TIME_PARTS),
    models.DecimalField: NUMERIC,
    models.DurationField: DEFAULT,
    models.EmailField: TEXT,
    models.FilePathField: TEXT,
    models.FloatField: NUMERIC,
    models.ForeignKey: DEFAULT,
    models.GenericIPAddressField: DEFAULT,
    models.IntegerField: NUMERIC,
    models.PositiveBigIntegerField: NUMERIC,
    models.PositiveIntegerField: NUMERIC,
    models.PositiveSmallIntegerField: NUMERIC,
    models.SlugField: TEXT,
    models.SmallAutoField: NUMERIC,
    models.SmallIntegerField: NUMERIC,
    models.TextField: TEXT,
    models.TimeField: (*NUMERIC, *_TIME_PARTS),
    models.URLField: TEXT,
    models.UUIDField: DEFAULT,
}
"""Lookups by exact model field class (subclasses not listed get none, as on the server)."""


#: Filter names of older releases for fields the emulator's models call otherwise: the
#: research group of 0.4.x is a team here, a review's ``submitted`` was ``date_modified``
#: (0.4.x) then ``last_modified`` (0.5.x), a request log's ``timestamp`` was ``time`` and an
#: application log's ``time`` ``timestamp`` (0.6.x), a notification's text ``message``.
ALIASES = {
    "team": ("group",),
    "submitted": ("date_modified", "last_modified"),
    "timestamp": ("time",),
    "time": ("timestamp",),
    "message_text": ("message",),
}


def _principal_investigator(queryset: Any, name: str, value: Any) -> Any:
    """``pi``, ``pi__in``, ``pi__isnull`` of a research group (0.4.x): its owner."""
    lookup = name.split("__", 1)[1] if "__" in name else "exact"
    owners = queryset.filter(membership__role="OW")
    if lookup == "isnull":
        return queryset.exclude(pk__in=owners) if value else owners
    if lookup == "in":
        return owners.filter(membership__user__in=value).distinct()
    return owners.filter(membership__user=value).distinct()


def _research_group_filters() -> dict[str, Any]:
    return {
        "pi": filters.NumberFilter(method=_principal_investigator),
        "pi__in": filters.BaseInFilter(method=_principal_investigator),
        "pi__isnull": filters.BooleanFilter(method=_principal_investigator),
    }


@cache
def filterset_for(model: type[models.Model], path: str | None = None) -> type[filters.FilterSet]:
    """The generated FilterSet of ``model``; at ``path``, only the filters the imitated
    release's list there reads (its schema's parameters: the lookups of its time)."""
    attrs: dict[str, Any] = {}
    for field in model._meta.get_fields():
        for lookup in LOOKUPS_BY_FIELD_TYPE.get(type(field), ()):
            attrs[lookup.parameter(field.name)] = lookup.build(field)
            for alias in ALIASES.get(field.name, ()):
                attrs[lookup.parameter(alias)] = lookup.build(field)
    if path == "users/researchgroups":
        attrs.update(_research_group_filters())
    if path is not None and release.current.params(path):
        wanted = release.current.params(path)
        attrs = {name: built for name, built in attrs.items() if name in wanted}
    attrs["Meta"] = type("Meta", (), {"model": model, "fields": []})
    return type(f"{model.__name__}FilterSet", (filters.FilterSet,), attrs)


class AutoFilterBackend(AdvancedFilterBackend):
    """Uses :func:`filterset_for` unless a view names its own FilterSet.

    Like the 0.3.26 backend it skips the filter form when no parameter names a filter.
    """

    def get_filterset_class(self, view: Any, queryset: Any = None) -> Any:
        if getattr(view, "filterset_class", None) is not None or queryset is None:
            return super(AdvancedFilterBackend, self).get_filterset_class(view, queryset)
        return filterset_for(queryset.model, getattr(view, "release_path", None))


class ReleaseSearchFilter(SearchFilter):
    """``_search`` over a view's ``search_fields``, failing where the imitated release fails.

    A search field naming a field the release's model no longer has (reviews still search
    ``public_comments``, gone since 0.6.0) makes the real server's query fail: an HTML 500.
    The emulator's models keep such fields for the releases that had them, so the search
    fails here by the same rule: a model's ``legacy_fields`` the release's records lack.
    """

    def filter_queryset(self, request: Any, queryset: Any, view: Any) -> Any:
        path = getattr(view, "release_path", None)
        legacy = getattr(queryset.model, "legacy_fields", ())
        if path and legacy and self.get_search_terms(request):
            record = release.current.record(path)
            for field in self.get_search_fields(view, request) or ():
                root = field.lstrip("^=@$").split("__", 1)[0]
                if root in legacy and root not in record:
                    raise FieldError(f"Cannot resolve keyword '{root}' into field.")
        return super().filter_queryset(request, queryset, view)
