"""1000 creates against the v0.10.9 emulator: threads vs atomic jobs.

- ``client.batch`` on 8 threads, one ``POST`` a record;
- atomic jobs of 100 steps, sent one after another (10 requests in all);
- the same jobs, 4 at a time on ``client.batch``.

The emulator runs the real server's Django stack in another process on this machine, so these
figures say how the ways compare, not how fast a production server is. Its throttle is off:
a default server allows 300 requests a minute per user, steps of jobs included.
"""

from __future__ import annotations

import itertools
import time
from typing import Any

from keystone import KeystoneClient
from keystone.testing import KeystoneEmulator

_names = itertools.count()


def _name() -> str:
    return f"bench-{next(_names)}"


def run(creates: int = 1000, per_job: int = 100) -> dict[str, float]:
    """Seconds for ``creates`` cluster creations each way."""
    timings: dict[str, float] = {}
    with KeystoneEmulator(api="0.10.9", user_throttle=None) as emulator:
        client = KeystoneClient(emulator.url, server="0.4+")
        client.login(emulator.admin_username, emulator.admin_password)
        client.create_cluster(name=_name())  # warm up

        started = time.perf_counter()
        client.batch(lambda _: client.create_cluster(name=_name()), range(creates), workers=8)
        timings["client.batch, 8 threads, 1 create a request"] = time.perf_counter() - started

        def job(_: Any) -> None:
            with client.atomic() as steps:
                for _ in range(per_job):
                    steps.create_cluster(name=_name())

        started = time.perf_counter()
        for number in range(creates // per_job):
            job(number)
        timings[f"atomic jobs of {per_job}, one after another"] = time.perf_counter() - started

        started = time.perf_counter()
        client.batch(job, range(creates // per_job), workers=4).raise_for_errors()
        timings[f"atomic jobs of {per_job}, 4 at a time"] = time.perf_counter() - started
        assert emulator.stats.count(method="POST", path="/batch/", status=200) == 2 * (
            creates // per_job
        )
    return timings


def table(timings: dict[str, float], creates: int) -> str:
    base = next(iter(timings.values()))
    lines = [
        f"{creates} creates against the v0.10.9 emulator (one machine, throttle off):",
        "",
        "| way | seconds | creates/s | vs threads |",
        "|---|---:|---:|---:|",
    ]
    lines += [
        f"| {name} | {s:.2f} | {creates / s:,.0f} | {base / s:.1f}x |"
        for name, s in timings.items()
    ]
    return "\n".join(lines)
