"""``stats/*``: aggregate figures over the records a user may see, filterable like lists.

The queries and the rounding follow the real server's, so counts, totals and averages come out
with the same types: floats for service-unit totals, decimal strings for grant funding, a
duration string (``"50 00:00:00"``) or null for the publication review time.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, DurationField, F, IntegerField, Q, Sum
from django.db.models.functions import Coalesce
from django.utils.timezone import now
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from keystone.testing.server_v010 import models


def _fields(kind: type[serializers.Field], names: str, **options: Any) -> dict[str, Any]:
    return {name: kind(**options) for name in names.split()}


REQUEST_COUNTS = "request_count request_pending_count request_approved_count"
REQUEST_COUNTS += " request_declined_count request_upcoming_count request_active_count"
REQUEST_COUNTS += " request_expired_count"
SU_TOTALS = "su_pending_total su_declined_total su_approved_total su_upcoming_total"
SU_TOTALS += " su_active_total su_expired_total su_requested_total su_awarded_total"
SU_TOTALS += " su_finalized_total"
FUNDING = "funding_total funding_upcoming funding_active funding_expired funding_average"


def _serializer(name: str, fields: dict[str, Any]) -> type[serializers.Serializer]:
    return type(name, (serializers.Serializer,), fields)


RequestStatsSerializer = _serializer(
    "AllocationRequestStatsSerializer",
    {
        **_fields(serializers.IntegerField, REQUEST_COUNTS),
        **_fields(serializers.FloatField, SU_TOTALS),
        **_fields(
            serializers.FloatField, "days_pending_average days_active_average", allow_null=True
        ),
    },
)
GrantStatsSerializer = _serializer(
    "GrantStatsSerializer",
    {
        **_fields(serializers.IntegerField, "grant_count upcoming_count active_count"),
        **_fields(serializers.IntegerField, "expired_count agency_count"),
        **_fields(serializers.DecimalField, FUNDING, max_digits=17, decimal_places=2),
    },
)
PublicationStatsSerializer = _serializer(
    "PublicationStatsSerializer",
    {
        **_fields(serializers.IntegerField, "publications_count draft_count submitted_count"),
        **_fields(serializers.IntegerField, "accepted_count journals_count"),
        "review_average": serializers.DurationField(allow_null=True),
    },
)
NotificationStatsSerializer = _serializer(
    "NotificationStatsSerializer", _fields(serializers.IntegerField, "total unread")
)


class StatsView(GenericAPIView):
    """Figures over the team records the user sees (every record for staff)."""

    permission_classes = (IsAuthenticated,)
    scope = "team"

    def get_queryset(self) -> Any:
        queryset = super().get_queryset()
        if self.request.user.is_staff:
            return queryset
        if self.scope == "user":
            return queryset.filter(user=self.request.user)
        return queryset.filter(team__in=models.Team.objects.teams_for_user(self.request.user))

    def summarize(self, queryset: Any) -> dict[str, Any]:
        raise NotImplementedError

    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        figures = self.summarize(self.filter_queryset(self.get_queryset()))
        serializer = self.get_serializer(data=figures)
        serializer.is_valid(raise_exception=True)
        return Response(serializer.data)


def _days(value: Any) -> int | None:
    return value.days if value is not None else None


class RequestStatsView(StatsView):
    """API endpoints for allocation request statistics."""

    queryset = models.AllocationRequest.objects.all()
    serializer_class = RequestStatsSerializer

    def summarize(self, queryset: Any) -> dict[str, Any]:
        today = now()
        stages = self._stages("", today)
        counts = queryset.aggregate(
            request_count=Count("id"),
            **{f"request_{n}_count": Count("id", filter=q) for n, q in stages.items()},
            days_pending_average=Avg(F("active") - F("submitted"), output_field=DurationField()),
            days_active_average=Avg(F("expire") - F("active"), output_field=DurationField()),
        )
        awarded = {
            f"su_{name}_total": Coalesce(
                Sum("awarded", filter=q, output_field=IntegerField()),
                0,
                output_field=IntegerField(),
            )
            for name, q in self._stages("request__", today).items()
        }
        totals = models.ResourceAllocation.objects.filter(request__in=queryset).aggregate(
            **awarded,
            su_requested_total=Coalesce(Sum("requested"), 0, output_field=IntegerField()),
            su_awarded_total=Coalesce(Sum("awarded"), 0, output_field=IntegerField()),
            su_finalized_total=Coalesce(Sum("final"), 0, output_field=IntegerField()),
        )
        figures = {k: counts[k] for k in REQUEST_COUNTS.split()}
        figures.update({k: round(totals[k], 2) for k in SU_TOTALS.split()})
        figures["days_pending_average"] = _days(counts["days_pending_average"])
        figures["days_active_average"] = _days(counts["days_active_average"])
        return figures

    @staticmethod
    def _stages(prefix: str, today: Any) -> dict[str, Q]:
        statuses = models.AllocationRequest.StatusChoices
        approved = Q(**{f"{prefix}status": statuses.APPROVED})
        return {
            "pending": Q(**{f"{prefix}status": statuses.PENDING}),
            "declined": Q(**{f"{prefix}status": statuses.DECLINED}),
            "approved": approved,
            "upcoming": approved & Q(**{f"{prefix}active__gt": today}),
            "active": approved
            & Q(**{f"{prefix}active__lte": today, f"{prefix}expire__gte": today}),
            "expired": approved & Q(**{f"{prefix}expire__lt": today}),
        }


class GrantStatsView(StatsView):
    """API endpoints for grant statistics."""

    queryset = models.Grant.objects.all()
    serializer_class = GrantStatsSerializer

    def summarize(self, queryset: Any) -> dict[str, Any]:
        today, zero = now(), Decimal("0.00")
        upcoming = Q(start_date__gt=today)
        active = Q(start_date__lte=today, end_date__gt=today)
        expired = Q(end_date__lte=today)
        stats = queryset.aggregate(
            grant_count=Count("id"),
            upcoming_count=Count("id", filter=upcoming),
            active_count=Count("id", filter=active),
            expired_count=Count("id", filter=expired),
            agency_count=Count("agency", distinct=True),
            funding_total=Coalesce(Sum("amount"), zero),
            funding_upcoming=Coalesce(Sum("amount", filter=upcoming), zero),
            funding_active=Coalesce(Sum("amount", filter=active), zero),
            funding_expired=Coalesce(Sum("amount", filter=expired), zero),
            funding_average=Coalesce(Avg("amount"), zero),
        )
        return {k: round(v, 2) if k.startswith("funding") else v for k, v in stats.items()}


class PublicationStatsView(StatsView):
    """API endpoints for publication statistics."""

    queryset = models.Publication.objects.all()
    serializer_class = PublicationStatsSerializer

    def summarize(self, queryset: Any) -> dict[str, Any]:
        return dict(
            queryset.aggregate(
                publications_count=Count("id"),
                draft_count=Count("id", filter=Q(submitted__isnull=True, published__isnull=True)),
                submitted_count=Count(
                    "id", filter=Q(submitted__isnull=False, published__isnull=True)
                ),
                accepted_count=Count("id", filter=Q(published__isnull=False)),
                journals_count=Count("journal", distinct=True),
                review_average=Avg(
                    F("published") - F("submitted"),
                    filter=Q(submitted__isnull=False, published__isnull=False),
                    output_field=DurationField(),
                ),
            )
        )


class NotificationStatsView(StatsView):
    """API endpoints for notification statistics."""

    scope = "user"
    queryset = models.Notification.objects.all()
    serializer_class = NotificationStatsSerializer

    def summarize(self, queryset: Any) -> dict[str, Any]:
        return dict(queryset.aggregate(total=Count("id"), unread=Count("id", filter=Q(read=False))))
