"""Measurement helpers: a canned server in its own process, CPU time per call, medians.

The machine is small and noisy, so every figure is a median over several rounds, clients are
measured alternately within one run, and the server runs in another process so only the
client's CPU time (``time.process_time``) is counted.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent


@contextmanager
def canned_server(latency: float = 0.0, list_size: int = 100) -> Iterator[str]:
    """Start ``canned_server.py`` and yield its base URL."""
    process = subprocess.Popen(
        [
            sys.executable,
            str(HERE / "canned_server.py"),
            "--latency",
            str(latency),
            "--list-size",
            str(list_size),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError(f"canned server did not start: {line!r}")
        yield f"http://127.0.0.1:{int(line.split()[1])}/"
    finally:
        process.terminate()
        process.wait(timeout=10)


@dataclass
class Case:
    """One way of making the same request; ``setup(url)`` returns the call to time."""

    name: str
    setup: Callable[[str], Callable[[], object]]
    calls: list[float] = field(default_factory=list)  # CPU seconds per call, one per round
    walls: list[float] = field(default_factory=list)  # wall seconds per call, one per round

    @property
    def cpu_us(self) -> float:
        return statistics.median(self.calls) * 1e6

    @property
    def rps(self) -> float:
        return 1.0 / statistics.median(self.walls)


def measure(cases: list[Case], url: str, *, rounds: int, requests: int, warmup: int = 200) -> None:
    """Time each case ``rounds`` times, alternating the order, ``requests`` calls each."""
    calls = [(case, case.setup(url)) for case in cases]
    for _, call in calls:
        for _ in range(warmup):
            call()
    for round_no in range(rounds):
        order = calls if round_no % 2 == 0 else list(reversed(calls))
        for case, call in order:
            cpu0, wall0 = time.process_time(), time.perf_counter()
            for _ in range(requests):
                call()
            case.calls.append((time.process_time() - cpu0) / requests)
            case.walls.append((time.perf_counter() - wall0) / requests)


def table(cases: list[Case], baseline: str) -> str:
    """A markdown table of median CPU µs/request, ratio to ``baseline``, and requests/s."""
    base = next(c for c in cases if c.name == baseline).cpu_us
    lines = [
        "| client | CPU µs/request | vs raw urllib3 | requests/s |",
        "|---|---:|---:|---:|",
    ]
    for case in cases:
        lines.append(
            f"| {case.name} | {case.cpu_us:.1f} | {case.cpu_us / base:.2f}x | {case.rps:,.0f} |"
        )
    return "\n".join(lines)


def machine_note() -> str:
    return f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, {sys.platform}"
