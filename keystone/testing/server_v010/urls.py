"""URL routes of the 0.4.1 to 0.10.9 profiles, laid out as each real server's ``main/urls.py`` is.

Each app prefix has its own DRF ``DefaultRouter`` (so ``allocations/``, ``users/`` and so on
answer a root listing their collections, to authenticated users), registered in the real
server's order, plus its field-choices routes. A collection, a choices path or a read-only
endpoint is routed where the imitated release's schema has it (``users/researchgroups/`` on
0.4.x, ``users/membership/`` until 0.7.3, ``logs/apps/`` until 0.6.21, ``config/`` from 0.9.5
...), so the others answer Django's HTML 404 like any unknown path, as on that release. Each
route's viewset knows its path (``release_path``), which shapes its records and its filters.
"""

from __future__ import annotations

from typing import Any

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from keystone.testing.server_v010 import batch, endpoints, health, openapi, release, stats, views
from keystone.testing.server_v010.allocations import views as allocation_views
from keystone.testing.server_v010.logs import views as log_views

current = release.current

ROUTERS: dict[str, tuple[tuple[str, Any], ...]] = {
    "allocations": (
        ("allocations", allocation_views.ResourceAllocationViewSet),
        ("attachments", allocation_views.AttachmentViewSet),
        ("clusters", allocation_views.ClusterViewSet),
        ("comments", allocation_views.CommentViewSet),
        ("jobs", allocation_views.JobStatsViewSet),
        ("requests", allocation_views.AllocationRequestViewSet),
        ("reviews", allocation_views.AllocationReviewViewSet),
    ),
    "logs": (
        ("apps", log_views.AppLogViewSet),
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
        ("membership", views.MembershipViewSet),
        ("memberships", views.MembershipViewSet),
        ("researchgroups", views.ResearchGroupViewSet),
        ("teams", views.TeamViewSet),
        ("users", views.UserViewSet),
    ),
}
"""Each app prefix's collections, in the order its router lists them; a release routes those
its schema has."""


def _routed(view: Any, route: str) -> Any:
    """``view`` as routed at ``route``: it knows its path, which shapes records and filters."""
    return type(view.__name__, (view,), {"release_path": route, "__doc__": view.__doc__})


def _choices_routes(prefix: str) -> list[Any]:
    found = []
    for route, choices in endpoints.CHOICE_ROUTES.items():
        if route.startswith(f"{prefix}/") and current.has(route):
            tail = route.split("/", 1)[1] + ("/" if current.slash(route) else "")
            found.append(path(tail, endpoints.choices_view(*choices)))
    return found


def _routes_any(prefix: str) -> bool:
    """Whether the release has an app at ``prefix`` (no notifications before 0.6.8)."""
    return any(route.startswith(f"{prefix}/") for route in current.view["paths"])


def _app_urls(prefix: str) -> Any:
    router = DefaultRouter()
    for collection, viewset in ROUTERS[prefix]:
        route = f"{prefix}/{collection}"
        if current.has(route):
            router.register(collection, _routed(viewset, route), basename=collection)
    extra = _choices_routes(prefix)
    if prefix == "logs" and current.has("logs/feed"):
        extra.append(path("feed/", _routed(log_views.FeedView, "logs/feed").as_view()))
    return include((router.urls + extra, prefix), namespace=prefix)


def _authentication() -> list[Any]:
    if current.traits.login == "rest-auth":
        login, logout = endpoints.RestAuthLoginView, endpoints.RestAuthLogoutView
    else:
        login, logout = endpoints.LoginView, endpoints.LogoutView
    return [
        path("authentication/login/", login.as_view()),
        path("authentication/logout/", logout.as_view()),
        path("authentication/whoami/", endpoints.WhoAmIView.as_view()),
    ]


def _optional() -> list[Any]:
    """The endpoints that came with later releases, where the imitated one has them."""
    found = []
    if current.has("batch"):
        found.append(path("batch/", batch.JobView.as_view()))
    if current.has("config"):
        found.append(path("config/", endpoints.ConfigView.as_view()))
    for name, view in (
        ("grants", stats.GrantStatsView),
        ("notifications", stats.NotificationStatsView),
        ("publications", stats.PublicationStatsView),
        ("requests", stats.RequestStatsView),
    ):
        if current.has(f"stats/{name}"):
            found.append(path(f"stats/{name}/", _routed(view, f"stats/{name}").as_view()))
    return found


_VERSION = (
    endpoints.Version.as_view()
    if current.traits.version_type.startswith("text/plain")
    else endpoints.plain_version
)

urlpatterns = [
    path("", endpoints.home),
    path("admin/", endpoints.admin),
    *(path(f"{prefix}/", _app_urls(prefix)) for prefix in ROUTERS if _routes_any(prefix)),
    *_authentication(),
    path("health/", health.HealthCheckView.as_view()),
    path("health/json/", health.HealthCheckJsonView.as_view()),
    path("health/prom/", health.HealthCheckPrometheusView.as_view()),
    path("openapi/json/", openapi.OpenApiJsonView.as_view()),
    path("openapi/yaml/", openapi.OpenApiYamlView.as_view()),
    *_optional(),
    path("version/", _VERSION),
]
