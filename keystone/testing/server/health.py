"""``version/`` and the ``health/`` family.

The JSON health report has the real server's keys and per-check shape. The emulator really
checks what it has (its database, file storage, schema); the Celery and Redis checks of the
real server stand for services the emulator does not need, so they report as non-critical and
not in use rather than as failures.
"""

from __future__ import annotations

import tempfile
from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from keystone.testing.server.schema import missing_tables

NOT_USED = {"status": 200, "message": "not used by the emulator", "critical_service": False}


def version(request: HttpRequest) -> HttpResponse:
    """``GET version/``: the version as a bare ``text/html`` body, not JSON (``0.0.0``, as the
    recorded server answered: its package metadata version; or the configured one)."""
    return HttpResponse(settings.KEYSTONE_VERSION)


def _check(probe: Any) -> dict[str, Any]:
    try:
        probe()
    except Exception as exc:
        return {"status": 500, "message": f"unavailable: {exc}", "critical_service": True}
    return {"status": 200, "message": "working", "critical_service": True}


def database_probe() -> None:
    """Run a trivial query."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def storage_probe() -> None:
    """Write a temporary file."""
    with tempfile.TemporaryFile() as handle:
        handle.write(b"health")


def _schema() -> None:
    missing = missing_tables()
    if missing:
        raise RuntimeError(f"missing tables: {', '.join(missing)}")


def run_checks() -> dict[str, dict[str, Any]]:
    """Every check by name, in the real server's order."""
    return {
        "CeleryHealthCheckCelery": dict(NOT_USED),
        "CeleryPingHealthCheck": dict(NOT_USED),
        "DatabaseBackend": _check(database_probe),
        "DefaultFileStorageHealthCheck": _check(storage_probe),
        "MigrationsHealthCheck": _check(_schema),
        "RedisHealthCheck": dict(NOT_USED),
    }


def _healthy(checks: dict[str, dict[str, Any]]) -> bool:
    return all(c["status"] == 200 for c in checks.values() if c["critical_service"])


class HealthView(APIView):
    """``GET health/``: empty body, 200 when every critical check passes, else 500."""

    permission_classes = (AllowAny,)

    def get(self, request: Request) -> Response:
        return Response(status=200 if _healthy(run_checks()) else 500)


class HealthJsonView(APIView):
    """``GET health/json/``: every check's status, message and criticality (always 200)."""

    permission_classes = (AllowAny,)

    def get(self, request: Request) -> Response:
        return Response(run_checks())


class HealthPrometheusView(APIView):
    """``GET health/prom/``: the checks as Prometheus gauges."""

    permission_classes = (AllowAny,)

    def get(self, request: Request) -> HttpResponse:
        lines = ["# HELP health_check_status 200 if the check passes, 500 if it fails"]
        lines.append("# TYPE health_check_status gauge")
        for name, check in run_checks().items():
            critical = str(check["critical_service"]).lower()
            labels = f'check="{name}",critical_service="{critical}"'
            lines.append(f"health_check_status{{{labels}}} {check['status']}")
        return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; version=0.0.4")
