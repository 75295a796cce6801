"""``MetricsMiddleware``: request counts and a latency histogram, in memory, thread-safe.

Each call is counted under its method, its path template (ids collapsed, so
``allocations/clusters/17/`` and ``allocations/clusters/18/`` are both
``allocations/clusters/{id}/``) and its status class: ``2xx``, ``3xx``, ``4xx``, ``5xx``, or
``error`` when no answer came (connection refused, timeout...); the requests with which the
client finds out which Keystone it talks to are its own bookkeeping, not calls of the
application, and count under ``probe`` whatever they answered (a 404 or 401 is what they look
for). Its duration goes into a
histogram with fixed bounds under the same labels. :meth:`MetricsMiddleware.snapshot` returns
all of it as plain data (dicts, lists, numbers), ready for JSON or any monitoring system.

Sinks forward each observation as it happens (see :class:`MetricsSink`); adapters for
OpenTelemetry (:mod:`keystone.middleware.metrics_otel`) and a scrape-time collector for
prometheus_client (:mod:`keystone.middleware.metrics_prometheus`) live in modules of their own,
imported only by whoever uses them.
"""

from __future__ import annotations

import re
import time
from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import Any, Protocol
from urllib.parse import urlsplit

from keystone._locks import ForkSafeLock
from keystone._pipeline import AsyncHandler, Handler
from keystone._request import Request
from keystone._response import Response

#: Upper bounds of the latency buckets, in seconds (a last, unbounded bucket follows).
DEFAULT_BUCKETS: tuple[float, ...] = (
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
    30.0,
    60.0,
)

#: Path segments that are record ids: integers and UUIDs.
_ID_SEGMENT = re.compile(r"\d+|[0-9a-fA-F]{8}-?(?:[0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}")


@lru_cache(maxsize=4096)
def path_template(url: str) -> str:
    """The endpoint of ``url`` relative to the server, with ids replaced by ``{id}``.

    ``"allocations/clusters/17"`` and ``"http://host/allocations/clusters/17/?a=1"`` both give
    ``"allocations/clusters/{id}/"``: no leading slash, one trailing slash, no query.
    """
    path = urlsplit(url).path if "://" in url else url.partition("?")[0]
    segments = [s for s in path.split("/") if s]
    if not segments:
        return "/"
    shown = ["{id}" if _ID_SEGMENT.fullmatch(s) else s for s in segments]
    return "/".join(shown) + "/"


def status_class(status: int | None) -> str:
    """``"2xx"``... ``"5xx"`` for a status code, ``"error"`` when there is none."""
    if status is None or not 100 <= status <= 599:
        return "error"
    return f"{status // 100}xx"


class MetricsSink(Protocol):
    """Receives each observation as it is made, e.g. to forward it to a metrics library."""

    def observe(self, method: str, path: str, status_class: str, seconds: float) -> None: ...


class _Series:
    """Counters of one (method, path template, status class)."""

    __slots__ = ("buckets", "count", "total")

    def __init__(self, size: int) -> None:
        self.count = 0
        self.total = 0.0
        self.buckets = [0] * size


def _status_of(error: Exception) -> int | None:
    """The status of the answer an error carries, if any."""
    status = getattr(getattr(error, "response", None), "status_code", None)
    return status if isinstance(status, int) else None


class MetricsMiddleware:
    """Counts calls and times them; see the module docstring.

    Put it in ``KeystoneClient(url, middleware=[metrics])`` to measure calls as the caller
    sees them (retries and waits included), or wrap it in :func:`keystone.per_attempt` to
    measure every attempt the server answered (there the path comes from the absolute URL, so
    it includes the base URL's own path, if any). ``buckets`` are the histogram's upper bounds in
    seconds; ``sinks`` also receive every observation. One instance may serve several clients
    and any number of threads.
    """

    name = "metrics"

    def __init__(
        self,
        *,
        buckets: Sequence[float] = DEFAULT_BUCKETS,
        sinks: Iterable[MetricsSink] = (),
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        bounds = tuple(float(b) for b in buckets)
        if not bounds or any(b <= 0 for b in bounds) or list(bounds) != sorted(set(bounds)):
            raise ValueError(
                f"buckets={tuple(buckets)!r} must be increasing positive upper bounds in "
                "seconds, e.g. (0.01, 0.1, 1.0, 10.0)"
            )
        self.bounds = bounds
        self.sinks: tuple[MetricsSink, ...] = tuple(sinks)
        self._clock = clock
        self._lock = ForkSafeLock()
        self._series: dict[tuple[str, str, str], _Series] = {}

    def __call__(self, request: Request, call_next: Handler) -> Response:
        path, started = path_template(request.url), self._clock()
        try:
            response = call_next(request)
        except Exception as error:
            self._done(request, path, started, _status_of(error))
            raise
        self._done(request, path, started, response.status_code)
        return response

    async def call_async(self, request: Request, call_next: AsyncHandler) -> Response:
        """The same in :class:`~keystone.AsyncKeystoneClient`'s chain."""
        path, started = path_template(request.url), self._clock()
        try:
            response = await call_next(request)
        except Exception as error:
            self._done(request, path, started, _status_of(error))
            raise
        self._done(request, path, started, response.status_code)
        return response

    def _done(self, request: Request, path: str, started: float, status: int | None) -> None:
        probe = request.call.kind == "probe"
        self.observe(request.method, path, status, self._clock() - started, probe=probe)

    def observe(
        self, method: str, path: str, status: int | None, seconds: float, *, probe: bool = False
    ) -> None:
        """Record one call (also usable directly, e.g. for calls made outside the chain);
        ``probe`` counts it as the client's own bookkeeping, under ``probe``."""
        label = "probe" if probe else status_class(status)
        key = (method, path, label)
        index = bisect_left(self.bounds, seconds)
        with self._lock:
            series = self._series.get(key)
            if series is None:
                series = self._series[key] = _Series(len(self.bounds) + 1)
            series.count += 1
            series.total += seconds
            series.buckets[index] += 1
        for sink in self.sinks:
            sink.observe(method, path, label, seconds)

    # -- reading ------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """All counters as plain data, consistent at one instant.

        ``{"bounds": [...], "series": [{"method", "path", "status_class", "count",
        "sum_seconds", "bucket_counts"}, ...]}``, where ``bucket_counts[i]`` counts calls that
        took at most ``bounds[i]`` seconds and more than ``bounds[i-1]``, and the last entry
        those slower than every bound. Series are sorted by path, method and status class.
        """
        with self._lock:
            items = [
                (key, series.count, series.total, list(series.buckets))
                for key, series in self._series.items()
            ]
        items.sort(key=lambda item: (item[0][1], item[0][0], item[0][2]))
        return {
            "bounds": list(self.bounds),
            "series": [
                {
                    "method": method,
                    "path": path,
                    "status_class": label,
                    "count": count,
                    "sum_seconds": total,
                    "bucket_counts": buckets,
                }
                for (method, path, label), count, total, buckets in items
            ],
        }

    def count(
        self,
        method: str | None = None,
        path: str | None = None,
        status_class: str | None = None,
    ) -> int:
        """How many calls matched every given label (``None`` matches any)."""
        with self._lock:
            return sum(
                series.count
                for (m, p, s), series in self._series.items()
                if (method is None or m == method)
                and (path is None or p == path)
                and (status_class is None or s == status_class)
            )

    def reset(self) -> None:
        """Forget every count (e.g. between reporting periods)."""
        with self._lock:
            self._series.clear()

    def __repr__(self) -> str:
        return f"<MetricsMiddleware calls={self.count()}>"
