"""``health/``, ``health/json/`` and ``health/prom/`` with the real server's checks and formats.

The real server checks its mail server, database, file storage, Redis and Celery. The emulator
really checks its database and storage; it has no mail server, Redis or Celery worker, so those
checks fail exactly as they do on a real server deployed without them (the recorded server had
none either): ``health/`` answers 500, and the JSON and Prometheus reports say which checks fail.
Results are cached for 60 seconds, as on the server.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request

from keystone.testing.server.health import database_probe, storage_probe

CACHE_KEY = "healthcheck_results"
CACHE_SECONDS = 60
ABSENT = "Unavailable: not provided by the emulator"


def _absent() -> None:
    raise RuntimeError(ABSENT)


CHECKS: dict[str, Callable[[], None]] = {
    "SMTP": _absent,
    "Database": database_probe,
    "Storage": storage_probe,
    "Redis": _absent,
    "Celery": _absent,
}


def _run(probe: Callable[[], None]) -> tuple[str | None, float]:
    started = time.perf_counter()
    try:
        probe()
    except Exception as exc:
        return str(exc) or type(exc).__name__, time.perf_counter() - started
    return None, time.perf_counter() - started


def results() -> list[dict[str, Any]]:
    """Every check's outcome, from the cache when fresh."""
    cached: list[dict[str, Any]] | None = cache.get(CACHE_KEY)
    if cached is None:
        cached = []
        for name, probe in CHECKS.items():
            error, seconds = _run(probe)
            cached.append({"check": name, "healthy": error is None, "error": error})
            cached[-1]["time_taken"] = seconds
        cache.set(CACHE_KEY, cached, CACHE_SECONDS)
    return cached


class HealthCheckView(GenericAPIView):
    """API endpoints for checking the server's health (empty body; 500 if a check fails)."""

    permission_classes = ()

    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        healthy = all(row["healthy"] for row in results())
        return HttpResponse(status=200 if healthy else 500)


class HealthCheckJsonView(GenericAPIView):
    """API endpoints for fetching health checks as JSON (always 200)."""

    permission_classes = ()

    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        return JsonResponse({"data": results()})


class HealthCheckPrometheusView(GenericAPIView):
    """API endpoints for fetching health checks as Prometheus gauges."""

    permission_classes = ()

    def get(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        rows = results()
        lines = [
            "# HELP keystone_health_check_status Health check status "
            "(200 = healthy, 500 = unhealthy)",
            "# TYPE keystone_health_check_status gauge",
            *(
                f'keystone_health_check_status{{check="{row["check"]}"}} '
                f"{200.0 if row['healthy'] else 500.0:.1f}"
                for row in rows
            ),
            "",
            "# HELP keystone_health_check_eval_time_seconds "
            "Health check evaluation time in seconds",
            "# TYPE keystone_health_check_eval_time_seconds gauge",
            *(
                f'keystone_health_check_eval_time_seconds{{check="{row["check"]}"}} '
                f"{row['time_taken']:.6f}"
                for row in rows
            ),
        ]
        return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
