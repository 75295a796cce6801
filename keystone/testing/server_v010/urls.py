"""URL routes of the v0.10.9 profile, laid out as the real server's ``main/urls.py`` is.

Each app prefix has its own DRF ``DefaultRouter`` (so ``allocations/``, ``users/`` and so on
answer a root listing their collections, to authenticated users), registered in the real
server's order, plus its ``*-choices/`` routes. ``users/researchgroups/``, ``logs/apps/`` and
the JWT ``authentication/new|refresh|blacklist/`` routes of 0.3.x do not exist, so they answer
Django's HTML 404 like any unknown path.
"""

from __future__ import annotations

from typing import Any

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from keystone.testing.server_v010 import batch, endpoints, health, openapi, stats, views
from keystone.testing.server_v010.allocations import views as allocation_views
from keystone.testing.server_v010.logs import views as log_views

ROUTERS: dict[str, tuple[tuple[str, Any], ...]] = {
    "allocations": (
        ("allocations", allocation_views.ResourceAllocationViewSet),
        ("attachments", allocation_views.AttachmentViewSet),
        ("clusters", allocation_views.ClusterViewSet),
        ("comments", allocation_views.CommentViewSet),
        ("requests", allocation_views.AllocationRequestViewSet),
        ("reviews", allocation_views.AllocationReviewViewSet),
    ),
    "logs": (
        ("audit", log_views.AuditLogViewSet),
        ("requests", log_views.RequestLogViewSet),
        ("tasks", log_views.TaskResultViewSet),
    ),
    "notifications": (
        ("notifications", views.NotificationViewSet),
        ("preferences", views.PreferenceViewSet),
    ),
    "research": (
        ("grants", views.GrantViewSet),
        ("publications", views.PublicationViewSet),
    ),
    "users": (
        ("memberships", views.MembershipViewSet),
        ("teams", views.TeamViewSet),
        ("users", views.UserViewSet),
    ),
}
"""Each app prefix's collections, in the order its router lists them."""

EXTRA_ROUTES: dict[str, list[Any]] = {
    prefix: [
        path(route.split("/", 1)[1], endpoints.choices_view(*choices))
        for route, choices in endpoints.CHOICE_ROUTES.items()
        if route.startswith(f"{prefix}/")
    ]
    for prefix in ROUTERS
}
EXTRA_ROUTES["logs"].append(path("feed/", log_views.FeedView.as_view()))


def _app_urls(prefix: str) -> Any:
    router = DefaultRouter()
    for collection, viewset in ROUTERS[prefix]:
        router.register(collection, viewset, basename=collection)
    return include((router.urls + EXTRA_ROUTES[prefix], prefix), namespace=prefix)


urlpatterns = [
    path("", endpoints.home),
    path("admin/", endpoints.admin),
    *(path(f"{prefix}/", _app_urls(prefix)) for prefix in ROUTERS),
    path("authentication/login/", endpoints.LoginView.as_view()),
    path("authentication/logout/", endpoints.LogoutView.as_view()),
    path("authentication/whoami/", endpoints.WhoAmIView.as_view()),
    path("batch/", batch.JobView.as_view()),
    path("config/", endpoints.ConfigView.as_view()),
    path("health/", health.HealthCheckView.as_view()),
    path("health/json/", health.HealthCheckJsonView.as_view()),
    path("health/prom/", health.HealthCheckPrometheusView.as_view()),
    path("openapi/json/", openapi.OpenApiJsonView.as_view()),
    path("openapi/yaml/", openapi.OpenApiYamlView.as_view()),
    path("stats/grants/", stats.GrantStatsView.as_view()),
    path("stats/notifications/", stats.NotificationStatsView.as_view()),
    path("stats/publications/", stats.PublicationStatsView.as_view()),
    path("stats/requests/", stats.RequestStatsView.as_view()),
    path("version/", endpoints.Version.as_view()),
]
