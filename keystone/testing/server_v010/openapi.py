"""``openapi/json/`` and ``openapi/yaml/``: a schema document listing the emulator's routes.

The real server generates its schema with drf-spectacular; the emulator answers a small
OpenAPI 3.0.3 document with the same title and version, one entry per route and the query
parameters of each list, in the same media types. The project's tests compare those
parameters with each real release's schema (``keystone/testing/schemas/``).
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.module_loading import import_string
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.generics import GenericAPIView
from rest_framework.mixins import ListModelMixin
from rest_framework.request import Request

from keystone.testing.server_v010.filters import AutoFilterBackend, filterset_for


def _routes(patterns: Any, prefix: str = "/") -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    for entry in patterns:
        route = prefix + str(entry.pattern).lstrip("^").rstrip("$")
        if isinstance(entry, URLResolver):
            found += _routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern) and "(?P<format>" not in route:
            found.append((route, entry.callback))
    return found


def _parameters(callback: Any) -> list[dict[str, Any]]:
    """The query parameters a list route reads: its filters, ``_search``, ``_order`` and the
    paging ones, as the route's filter backends and paging class take them."""
    view = getattr(callback, "cls", None)
    actions = getattr(callback, "actions", None) or {}
    if view is None or (actions and actions.get("get") != "list"):
        return []
    if getattr(view, "queryset", None) is None:
        return []
    names: set[str] = set()
    path = getattr(view, "release_path", None)
    rest = settings.REST_FRAMEWORK
    backends = [import_string(name) for name in rest.get("DEFAULT_FILTER_BACKENDS", ())]
    for backend in backends:
        if issubclass(backend, AutoFilterBackend):
            names |= set(filterset_for(view.queryset.model, path).base_filters)
        elif issubclass(backend, SearchFilter) and getattr(view, "search_fields", None):
            names.add(rest["SEARCH_PARAM"])
        elif issubclass(backend, OrderingFilter):
            names.add(rest["ORDERING_PARAM"])
    if rest.get("DEFAULT_PAGINATION_CLASS") and (actions or issubclass(view, ListModelMixin)):
        names |= {"_limit", "_offset"}
    return [{"in": "query", "name": name} for name in sorted(names)]


def document() -> dict[str, Any]:
    """The schema document: each route, and the query parameters of each list."""
    paths: dict[str, Any] = {}
    for route, callback in _routes(get_resolver().url_patterns):
        parameters = _parameters(callback)
        paths[route] = {"get": {"parameters": parameters}} if parameters else {}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Keystone API",
            "version": settings.KEYSTONE_VERSION,
            "description": "The backend REST API for the Keystone HPC utility.",
        },
        "paths": dict(sorted(paths.items())),
    }


def _yaml(value: Any, indent: int = 0) -> str:
    pad = "  " * indent
    lines = []
    for key, item in value.items():
        if isinstance(item, dict) and item:
            lines.append(f"{pad}{json.dumps(key)}:\n{_yaml(item, indent + 1)}")
        else:
            lines.append(f"{pad}{json.dumps(key)}: {json.dumps(item)}")
    return "\n".join(lines)


class OpenApiJsonView(GenericAPIView):
    """API endpoints for fetching the OpenAPI schema as JSON."""

    permission_classes = ()

    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        body = json.dumps(document(), indent=4)
        return HttpResponse(body, content_type="application/vnd.oai.openapi+json")


class OpenApiYamlView(GenericAPIView):
    """API endpoints for fetching the OpenAPI schema as YAML."""

    permission_classes = ()

    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        body = _yaml(document()) + "\n"
        return HttpResponse(body, content_type="application/vnd.oai.openapi; charset=utf-8")
