"""``openapi/json/`` and ``openapi/yaml/``: a schema document listing the emulator's routes.

The real server generates its schema with drf-spectacular; the emulator answers a small
OpenAPI 3.0.3 document with the same title and version and one entry per route, in the same
media types, which is what a client probing these endpoints sees (the full schema of the real
server is in the project's test data).
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request

from keystone.testing.server_v010.settings import VERSION


def _routes(patterns: Any, prefix: str = "/") -> list[str]:
    found: list[str] = []
    for entry in patterns:
        route = prefix + str(entry.pattern).lstrip("^").rstrip("$")
        if isinstance(entry, URLResolver):
            found += _routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern) and "(?P<format>" not in route:
            found.append(route)
    return found


def document() -> dict[str, Any]:
    """The schema document (``paths`` maps each route to an empty operation list)."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Keystone API",
            "version": VERSION,
            "description": "The backend REST API for the Keystone HPC utility.",
        },
        "paths": {route: {} for route in sorted(set(_routes(get_resolver().url_patterns)))},
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
