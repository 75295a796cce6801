"""The exchanges a transcript replay tolerates as different, in a report section of their own.

A replay's shape test passes when at least 95% of the recorded exchanges match; the others
are known differences, not failures. The test records them as a user property of its report
(:func:`record`), which pytest-xdist carries from the worker that ran the test to the
controller, and :func:`summary` lists them at the end of the run, under a section of their
own, rather than as warnings.

It lives at the top of the test tree so that every process of a parallel run (pytest-xdist's
controller included) can import it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

#: The name of the user property a replay's tolerated differences are recorded under.
PROPERTY = "replay_difference"
TITLE = "replay differences (known, recorded)"


def record(record_property: Callable[[str, object], None], report: str) -> None:
    """Note ``report`` (a replay's summary of the exchanges that differ) for the run's end."""
    record_property(PROPERTY, report)


def collected(reports: Iterable[Any]) -> list[tuple[str, str]]:
    """``(test id, report)`` of every difference recorded by the test reports given."""
    return [
        (report.nodeid, str(value))
        for report in reports
        if getattr(report, "when", None) == "call"
        for name, value in getattr(report, "user_properties", ())
        if name == PROPERTY
    ]


def summary(differences: list[tuple[str, str]]) -> tuple[str, list[str]]:
    """The section's title (with how many exchanges differ) and its lines."""
    lines: list[str] = []
    count = 0
    for nodeid, report in differences:
        first, *rest = report.splitlines()
        count += len(rest)
        lines.append(f"{nodeid}: {first}")
        lines += [f"  {line}" for line in rest]
    return f"{TITLE}: {count}", lines
