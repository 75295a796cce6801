"""Exact request counters, and the queries tests make on them.

The server counts every request that reached it (control-channel calls excepted) by method,
path without query, final status, whether the application processed it, and which fault (if
any) applied. A dropped connection has status :data:`DROPPED` (``0``): no response byte was
sent, whether or not the application ran (``processed`` tells which).

:class:`StatsRecorder` is the server's thread-safe counter; :class:`StatsSnapshot` is an
immutable copy, which is what the parent receives over the control channel; both it and the
parent's live view share the query helpers of :class:`StatsQueries` (``count``, ``statuses``,
``entries``). Counters are recorded *before* the response is
written, so a client that has its answer can immediately read a count that includes it.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

DROPPED = 0
"""Status recorded for a request whose connection was dropped without a response."""

StatusFilter = int | str | Collection[int]
"""An exact status, a class such as ``"5xx"``, or a collection of statuses."""


class RequestKey(NamedTuple):
    """What one counter counts."""

    method: str
    path: str
    status: int
    processed: bool
    fault: str | None


@dataclass(frozen=True)
class RequestCount:
    """How many requests shared one :class:`RequestKey`."""

    method: str
    path: str
    status: int
    processed: bool
    fault: str | None
    count: int

    @property
    def dropped(self) -> bool:
        """Whether the connection was dropped instead of answered."""
        return self.status == DROPPED


def normalize_path(path: str) -> str:
    """Give ``path`` its leading slash, so relative endpoint names can be used in queries."""
    return path if path.startswith("/") else "/" + path


def _status_matches(status: int, wanted: StatusFilter) -> bool:
    if isinstance(wanted, int):
        return status == wanted
    if isinstance(wanted, str):
        text = wanted.strip().lower()
        if len(text) == 3 and text[0].isdigit() and text[1:] == "xx":
            return status // 100 == int(text[0])
        raise ValueError(f"status class must look like '5xx', not {wanted!r}")
    return status in wanted


class StatsQueries:
    """The queries tests make on counters; subclasses say where the counters come from.

    Every filter is optional and they combine with AND: ``method`` (case-insensitive),
    ``path`` (exact, without query; a missing leading ``/`` is added), ``path_prefix``,
    ``status`` (see :data:`StatusFilter`), ``processed`` (the application ran), ``dropped``
    (no response was sent), ``fault`` (the kind of fault that applied) and ``faulted``
    (whether any fault applied).
    """

    def snapshot(self) -> StatsSnapshot:
        """The counters as they are now."""
        raise NotImplementedError

    def entries(
        self,
        *,
        method: str | None = None,
        path: str | None = None,
        path_prefix: str | None = None,
        status: StatusFilter | None = None,
        processed: bool | None = None,
        dropped: bool | None = None,
        fault: str | None = None,
        faulted: bool | None = None,
    ) -> list[RequestCount]:
        """The counters matching the filters, sorted by path, method and status."""
        wanted_method = method.upper() if method is not None else None
        wanted_path = normalize_path(path) if path is not None else None
        prefix = normalize_path(path_prefix) if path_prefix is not None else None
        found = []
        for key, count in self.snapshot().counts.items():
            if wanted_method is not None and key.method != wanted_method:
                continue
            if wanted_path is not None and key.path != wanted_path:
                continue
            if prefix is not None and not key.path.startswith(prefix):
                continue
            if status is not None and not _status_matches(key.status, status):
                continue
            if processed is not None and key.processed != processed:
                continue
            if dropped is not None and (key.status == DROPPED) != dropped:
                continue
            if fault is not None and key.fault != fault:
                continue
            if faulted is not None and (key.fault is not None) != faulted:
                continue
            found.append(RequestCount(*key, count=count))
        found.sort(key=lambda c: (c.path, c.method, c.status, c.processed, c.fault or ""))
        return found

    def count(
        self,
        *,
        method: str | None = None,
        path: str | None = None,
        path_prefix: str | None = None,
        status: StatusFilter | None = None,
        processed: bool | None = None,
        dropped: bool | None = None,
        fault: str | None = None,
        faulted: bool | None = None,
    ) -> int:
        """How many requests match the filters."""
        found = self.entries(
            method=method,
            path=path,
            path_prefix=path_prefix,
            status=status,
            processed=processed,
            dropped=dropped,
            fault=fault,
            faulted=faulted,
        )
        return sum(entry.count for entry in found)

    def statuses(self, **filters: Any) -> dict[int, int]:
        """Requests matching the filters (as for :meth:`entries`), per final status."""
        totals: Counter[int] = Counter()
        for entry in self.entries(**filters):
            totals[entry.status] += entry.count
        return dict(sorted(totals.items()))

    @property
    def total(self) -> int:
        """Every counted request."""
        return sum(self.snapshot().counts.values())

    @property
    def connections(self) -> int:
        """TCP connections that carried at least one counted request."""
        return self.snapshot().connection_count


class StatsSnapshot(StatsQueries):
    """An immutable copy of the counters, with the queries of :class:`StatsQueries`."""

    def __init__(self, counts: Counter[RequestKey] | None = None, connections: int = 0) -> None:
        self.counts: Counter[RequestKey] = Counter(counts or {})
        self.connection_count = connections

    def snapshot(self) -> StatsSnapshot:
        return self

    def __iter__(self) -> Iterator[RequestCount]:
        return iter(self.entries())

    def __add__(self, other: StatsSnapshot) -> StatsSnapshot:
        return StatsSnapshot(
            self.counts + other.counts, self.connection_count + other.connection_count
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StatsSnapshot):
            return NotImplemented
        return self.counts == other.counts and self.connection_count == other.connection_count

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<StatsSnapshot {self.total} requests on {self.connection_count} connections>"

    def to_dict(self) -> dict[str, Any]:
        """Plain-JSON form used on the control channel."""
        return {
            "requests": [{**key._asdict(), "count": n} for key, n in self.counts.items()],
            "connections": self.connection_count,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> StatsSnapshot:
        """Rebuild a snapshot from :meth:`to_dict` output."""
        counts: Counter[RequestKey] = Counter()
        for item in raw.get("requests", ()):
            key = RequestKey(
                item["method"], item["path"], item["status"], item["processed"], item["fault"]
            )
            counts[key] += int(item["count"])
        return cls(counts, int(raw.get("connections", 0)))


class StatsRecorder(StatsQueries):
    """The server's counters; every method is thread-safe.

    A connection is counted once per counting period: the first time it carries a counted
    request after the recorder was created or last reset.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[RequestKey] = Counter()
        self._connections = 0
        self._period = 1

    def record(
        self,
        method: str,
        path: str,
        status: int,
        *,
        processed: bool,
        fault: str | None = None,
        connection_period: int = 0,
    ) -> int:
        """Count one request; returns the period to pass with the connection's next request.

        ``connection_period`` is what the previous call returned for the same connection
        (``0`` for its first request), so each connection is counted once per period.
        """
        key = RequestKey(method, path, status, processed, fault)
        with self._lock:
            self._counts[key] += 1
            if connection_period != self._period:
                self._connections += 1
            return self._period

    def snapshot(self) -> StatsSnapshot:
        """A consistent copy of every counter."""
        with self._lock:
            return StatsSnapshot(self._counts, self._connections)

    def reset(self) -> None:
        """Zero every counter and start a new counting period."""
        with self._lock:
            self._counts.clear()
            self._connections = 0
            self._period += 1
