"""URL routes, built from one table of ``(prefix, viewset)`` pairs."""

from __future__ import annotations

from django.urls import path
from rest_framework.routers import SimpleRouter
from rest_framework_simplejwt.views import (
    TokenBlacklistView,
    TokenObtainPairView,
    TokenRefreshView,
)

from keystone.testing.server import health, views

RESOURCES = (
    ("allocations/allocations", views.AllocationViewSet),
    ("allocations/clusters", views.ClusterViewSet),
    ("allocations/requests", views.AllocationRequestViewSet),
    ("allocations/reviews", views.AllocationRequestReviewViewSet),
    ("users/users", views.UserViewSet),
    ("users/researchgroups", views.ResearchGroupViewSet),
    ("research/grants", views.GrantViewSet),
    ("research/publications", views.PublicationViewSet),
    ("logs/apps", views.AppLogViewSet),
    ("logs/requests", views.RequestLogViewSet),
    ("logs/tasks", views.TaskResultViewSet),
)
"""Every collection of the API; each also gets a ``<prefix>/<id>/`` detail route."""

router = SimpleRouter(trailing_slash=True)
for prefix, viewset in RESOURCES:
    router.register(prefix, viewset, basename=prefix.replace("/", "-"))

urlpatterns = [
    path("authentication/new/", TokenObtainPairView.as_view()),
    path("authentication/refresh/", TokenRefreshView.as_view()),
    path("authentication/blacklist/", TokenBlacklistView.as_view()),
    path("version/", health.version),
    path("health/", health.HealthView.as_view()),
    path("health/json/", health.HealthJsonView.as_view()),
    path("health/prom/", health.HealthPrometheusView.as_view()),
    *router.urls,
]
