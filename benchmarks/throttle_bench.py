"""Bulk work under a low per-user throttle: measured time against the least the throttle allows.

Keystone throttles each user (Django REST framework's sliding window: at most *R* requests in
any *W* seconds; a refused request answers 429 with ``Retry-After`` and does not count; every
step of an atomic ``batch/`` job counts as one request more). A client that learns the limit
only from refusals can still lose much more than the throttle's own time: threads that each
hit the wall on their own, retries spent on 429s, waits that overshoot, jobs refused again and
again. This script measures how close the client comes to the least time, on the local
Keystone emulator (v0.10.9 profile) with ``user_throttle`` set low (``--rate``, default
60/min), for ``--items`` (default 150) items done each of these ways:

1. ``client.batch`` of ``retrieve_cluster(pk=...)`` on 8 threads;
2. the same on a ``ProcessPoolExecutor(2)``, 4 threads in each process (each process has its
   own copy of the client, so a hold learnt from a 429 is not shared between them);
3. a page walk: ``iter_cluster(page_size=1, workers=4)`` over as many seeded records;
4. an atomic job of ``create_cluster`` steps with ``split=10`` (each part is one ``POST
   batch/`` the server counts as 1 + its steps);
5. the thread batch of 1 with ``rate_limit`` set to the server's rate (the client spaces its
   requests itself: no 429 expected).

Each scenario uses a fresh client with default settings, logged in as a user of its own, so
no scenario eats another's window. The least time is worked out from the requests the
user's window counted: with the window starting empty, a request may go only when the
requests sent in the *W* seconds before it, itself included, are at most *R*, so the *k*-th
counted request (1-based) cannot go before ``floor((k - 1) / R) * W`` and *N* requests need at
least ``floor((N - 1) / R) * W`` seconds; a job of cost *c* needs *c* places in the window at
once, which the same greedy schedule works out (:func:`least_seconds`).

The records read are seeded before the measured emulator starts: by an emulator without a
throttle on the same SQLite file (so seeding costs no throttled time). The login and the
client's ``version/`` request are anonymous: DRF counts them against the caller's IP, not in
the user's window, so they are timed (the clock starts before the login) but not in *N*.

Run: ``python benchmarks/throttle_bench.py [--rate 60/min] [--items 150]``; writes
``benchmarks/results/throttle.md`` and ``throttle.json``. The emulator runs the real server's
Django stack in another process on this machine: the figures say how the client copes with a
throttle, not how fast a production server is.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import math
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from keystone import KeystoneClient
from keystone.testing import KeystoneEmulator, StatsSnapshot, UserSpec

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
API = "0.10.9"
PASSWORD = "Bench-pw-123"
SEED_PREFIX = "seed-"
DEFAULT_SPLIT = 10
GOAL = 1.5  # the goal: every item done, at most 1.5x the least time

#: Requests a login makes (the client finds out the server first): anonymous, so DRF counts
#: them against the IP, not in the user's window.
ANONYMOUS_PATHS = ("/authentication/login/", "/version/")

_PERIODS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


@dataclass(frozen=True)
class Rate:
    """At most ``requests`` in any ``period`` seconds, as DRF's ``"60/min"`` says."""

    requests: int
    period: float
    text: str

    @classmethod
    def parse(cls, text: str) -> Rate:
        match = re.fullmatch(r"\s*(\d+)\s*/\s*([smhd])[a-z]*\s*", text, re.IGNORECASE)
        if match is None or int(match.group(1)) < 1:
            raise argparse.ArgumentTypeError(f"{text!r} is not a rate such as 60/min")
        return cls(int(match.group(1)), _PERIODS[match.group(2).lower()], text.strip())


def least_seconds(costs: Sequence[int], rate: Rate) -> float:
    """The least time from the first send to the last, for sends of ``costs`` in this order.

    Greedy on DRF's sliding window, starting empty: each send goes at the first moment (never
    before the one before it) when the window's counted requests plus its cost are at most
    ``rate.requests``; a request leaves the window ``rate.period`` seconds after it went. For
    costs all 1 this is ``floor((N - 1) / R) * W``.
    """
    counted: list[float] = []  # when each counted request went, ascending
    at = 0.0
    for cost in costs:
        if cost > rate.requests:
            raise ValueError(f"a send of cost {cost} never fits a window of {rate.requests}")
        while True:
            window = [sent for sent in counted if sent > at - rate.period]
            excess = len(window) + cost - rate.requests
            if excess <= 0:
                break
            at = window[excess - 1] + rate.period
        counted.extend([at] * cost)
    return at


def unit_least_seconds(count: int, rate: Rate) -> float:
    """``floor((N - 1) / R) * W``: the least time of ``count`` requests of cost 1."""
    return math.floor(max(count - 1, 0) / rate.requests) * rate.period


@dataclass
class Outcome:
    """One scenario's figures."""

    name: str
    user: str
    items: int
    seconds: float = 0.0
    counted: int = 0
    least: float = 0.0
    ok: int = 0
    failed: int = 0
    refused_429: int = 0
    refused_by_path: dict[str, int] = field(default_factory=dict)
    holds: list[float] = field(default_factory=list)
    throttled_jobs: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    login_requests: int = 0
    checks: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.seconds / self.least if self.least > 0 else math.inf

    @property
    def meets_goal(self) -> bool:
        return self.failed == 0 and not self.problems and self.ratio <= GOAL


class HoldLog(logging.Handler):
    """The holds the client logs when a 429 makes it wait (``keystone.throttle``, INFO)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.holds: list[float] = []

    def emit(self, record: logging.LogRecord) -> None:
        hold = getattr(record, "throttle_hold", None)
        if hold is not None:
            self.holds.append(round(float(hold), 1))


def diff(after: StatsSnapshot, before: StatsSnapshot) -> StatsSnapshot:
    """The requests counted between two snapshots."""
    return StatsSnapshot(after.counts - before.counts)


def user_requests(stats: StatsSnapshot) -> StatsSnapshot:
    """``stats`` without the anonymous login requests."""
    kept = Counter({key: n for key, n in stats.counts.items() if key.path not in ANONYMOUS_PATHS})
    return StatsSnapshot(kept)


def error_text(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}".splitlines()[0][:300]


def _retrieve(client: KeystoneClient, pk: int) -> dict[str, Any] | None:
    """One item of the process batch (module level, so it pickles)."""
    return client.retrieve_cluster(pk=pk)


class Bench:
    """The measured emulator, its seeded records and the scenarios."""

    def __init__(
        self, emulator: KeystoneEmulator, rate: Rate, items: int, seed: list[int], split: int
    ) -> None:
        self.emulator = emulator
        self.rate = rate
        self.items = items
        self.split = split
        self.seed = seed  # the ids of the seeded clusters, ascending

    def login(self, user: str, rate_limit: str | None = None) -> KeystoneClient:
        client = KeystoneClient(self.emulator.url, rate_limit=rate_limit)
        client.login(username=user, password=PASSWORD)
        return client

    def run(
        self,
        name: str,
        user: str,
        work: Callable[[KeystoneClient, Outcome], None],
        rate_limit: str | None = None,
        check: Callable[[Outcome], None] | None = None,
    ) -> Outcome:
        """Log in as ``user`` and do ``work``, timed from before the login; then ``check``."""
        outcome = Outcome(name=name, user=user, items=self.items)
        print(f"[{time.strftime('%H:%M:%S')}] {name} ...", flush=True)
        log = HoldLog()
        logger = logging.getLogger("keystone.throttle")
        logger.addHandler(log)
        logger.setLevel(logging.INFO)
        before = self.emulator.stats.snapshot()
        started = time.perf_counter()
        try:
            client = self.login(user, rate_limit)
            work(client, outcome)
        except Exception as error:  # report, and go on with the other scenarios
            outcome.errors.append(error_text(error))
            outcome.problems.append("the scenario raised: " + error_text(error))
            traceback.print_exc()
        finally:
            outcome.seconds = time.perf_counter() - started
            logger.removeHandler(log)
        outcome.holds = log.holds
        timed = diff(self.emulator.stats.snapshot(), before)
        mine = user_requests(timed)
        outcome.login_requests = timed.total - mine.total
        outcome.statuses = {str(s): n for s, n in timed.statuses().items()}
        outcome.refused_429 = timed.count(status=429)
        refused = Counter[str]()
        for entry in timed.entries(status=429):
            refused[re.sub(r"/\d+/", "/<pk>/", entry.path)] += entry.count
        outcome.refused_by_path = dict(refused)
        outcome.throttled_jobs = mine.count(method="POST", path="/batch/", status=422)
        if not outcome.counted:  # requests of cost 1: every answer but a 429 counted
            outcome.counted = mine.total - mine.count(status=429)
            outcome.least = unit_least_seconds(outcome.counted, self.rate)
        if check is not None:
            try:
                check(outcome)
            except Exception as error:
                outcome.problems.append("the check raised: " + error_text(error))
                traceback.print_exc()
        print(
            f"    {outcome.seconds:.1f} s, least {outcome.least:.0f} s, ratio "
            f"{outcome.ratio:.2f}, ok {outcome.ok}, failed {outcome.failed}, 429s "
            f"{outcome.refused_429} {outcome.refused_by_path}, statuses {outcome.statuses}, "
            f"holds {outcome.holds}, problems {outcome.problems}",
            flush=True,
        )
        return outcome

    def _batch_outcome(self, results: Any, outcome: Outcome) -> None:
        for result in results:
            value = result.value
            if result.ok and isinstance(value, dict) and value.get("id") == result.item:
                outcome.ok += 1
            else:
                outcome.failed += 1
                if result.error is not None and len(outcome.errors) < 5:
                    outcome.errors.append(f"item {result.item}: {error_text(result.error)}")
                elif result.error is None and len(outcome.errors) < 5:
                    outcome.errors.append(f"item {result.item}: answered {value!r:.100}")
        kinds = Counter(type(r.error).__name__ for r in results if r.error is not None)
        if kinds:
            outcome.problems.append(f"failed items by error: {dict(kinds)}")

    def thread_batch(self, client: KeystoneClient, outcome: Outcome) -> None:
        results = client.batch(client.retrieve_cluster, self.seed[: self.items], workers=8)
        self._batch_outcome(results, outcome)

    def process_batch(self, client: KeystoneClient, outcome: Outcome) -> None:
        with ProcessPoolExecutor(2) as pool:
            results = client.batch(
                client.bind(_retrieve), self.seed[: self.items], executor=pool, workers=4
            )
        self._batch_outcome(results, outcome)

    def page_walk(self, client: KeystoneClient, outcome: Outcome) -> None:
        records = list(client.iter_cluster(page_size=1, workers=4))
        ids = [record.get("id") for record in records]
        seeded = set(self.seed)
        outcome.ok = len(seeded.intersection(ids))
        outcome.failed = len(seeded) - outcome.ok
        outcome.checks.append(f"{len(records)} records read, {len(seeded)} expected")
        if len(records) != len(seeded) or len(set(ids)) != len(ids) or set(ids) != seeded:
            duplicates = len(ids) - len(set(ids))
            outcome.problems.append(
                f"read {len(records)} records ({duplicates} repeated), expected the "
                f"{len(seeded)} seeded ones exactly"
            )

    def atomic_job(self, client: KeystoneClient, outcome: Outcome) -> None:
        job = client.atomic(split=self.split)
        for name in self.job_names:
            job.create_cluster(name=name)
        split = self.split
        parts = [1 + min(split, self.items - n) for n in range(0, self.items, split)]
        outcome.counted = sum(parts)  # a job counts 1 + its steps
        outcome.least = least_seconds(parts, self.rate)
        try:
            job.run()
        finally:
            done = job.results if job.results is not None else job.done
            outcome.ok = sum(1 for result in done if result.status == 201)
            outcome.failed = self.items - outcome.ok
            outcome.checks.append(
                f"job.results: {len(done)} steps"
                + ("" if job.results is not None else " done (run() raised)")
                + f", {outcome.ok} answered 201"
            )

    @property
    def job_names(self) -> list[str]:
        return [f"job-{n:04d}" for n in range(self.items)]

    def atomic_check(self, outcome: Outcome) -> None:
        """Outside the timing: each part applied once, each cluster made exactly once."""
        parts = math.ceil(self.items / self.split)
        applied = self.emulator.stats.count(method="POST", path="/batch/", status="2xx")
        outcome.checks.append(f"POST batch/ answered 2xx {applied} times for {parts} parts")
        if applied != parts:
            outcome.problems.append(f"{applied} jobs applied for {parts} parts")
        checker = self.login("checker")  # a window of its own
        made = Counter(
            str(record.get("name"))
            for record in checker.retrieve_cluster()
            if str(record.get("name", "")).startswith("job-")
        )
        names = self.job_names
        twice = sum(1 for n in made.values() if n > 1)
        missing = sum(1 for name in names if name not in made)
        outcome.checks.append(
            f"read back by another user: {sum(made.values())} clusters made by the job, "
            f"{twice} made twice, {missing} missing"
        )
        if twice or missing or sum(made.values()) != len(names):
            outcome.problems.append(f"read back: {twice} made twice, {missing} missing")


def seed_database(path: str, users: list[UserSpec], count: int) -> list[int]:
    """Create ``count`` clusters in the SQLite file ``path``, on an emulator without throttles."""
    with KeystoneEmulator(
        api=API, user_throttle=None, anon_throttle=None, database_path=path, users=users
    ) as emulator:
        admin = KeystoneClient(emulator.url)
        admin.login(username=emulator.admin_username, password=emulator.admin_password)
        with admin.atomic() as job:
            for n in range(count):
                job.create_cluster(name=f"{SEED_PREFIX}{n:04d}")
        assert job.results is not None and len(job.results) == count
        ids = sorted(int(result.body["id"]) for result in job.results)
        assert len(admin.retrieve_cluster()) == count
    return ids


def package_version() -> str:
    """The git commit, and a digest of the package's sources as they are on disk now."""
    package = HERE.parent / "keystone"
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=HERE,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "keystone"],
            cwd=HERE.parent,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit, dirty = "unknown", ""
    changes = " + uncommitted changes" if dirty else ""
    return f"commit {commit}{changes}, sources {digest.hexdigest()[:12]}"


def machine_note(rate: Rate, items: int) -> str:
    return (
        f"{os.cpu_count()} cores, Python {platform.python_version()} ({sys.platform}), "
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, server throttle {rate.text} per user, "
        f"{items} items a scenario, Keystone emulator {API}"
    )


def markdown(
    outcomes: list[Outcome], rate: Rate, items: int, total: float, versions: tuple[str, str]
) -> str:
    changed = "" if versions[0] == versions[1] else f" (CHANGED during the run: {versions[1]})"
    lines = [
        "# Bulk work under a per-user throttle",
        "",
        f"{machine_note(rate, items)}. Package: {versions[0]}{changed}. Written by "
        f"`benchmarks/throttle_bench.py`; the whole run took {total / 60:.1f} min.",
        "",
        "Each scenario: a fresh client with default settings (no `retry=`; `rate_limit` only "
        "where named), logged in as a user of its own, against the local emulator with "
        f"`user_throttle={rate.text!r}`. *Seconds* are wall time from before the login to the "
        "last answer. *Counted* are the requests the user's window counted (every answer but "
        "a 429; a `batch/` job counts 1 + its steps); the login and `version/` are anonymous "
        "(DRF counts them against the IP) and are not in it. *Least* is the least time the "
        "throttle allows for them, the window starting empty: the k-th counted request cannot "
        f"go before floor((k-1)/R)*W, so N requests need floor((N-1)/R)*W s (R={rate.requests}, "
        f"W={rate.period:g} s; for jobs, the same greedy schedule with each job needing 1 + "
        f"steps places at once). Goal: every item done, at most {GOAL}x the least time.",
        "",
        "| scenario | counted | least s | seconds | ratio | ok / failed | 429s | statuses | goal |",
        "|---|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for o in outcomes:
        statuses = ", ".join(f"{s}: {n}" for s, n in o.statuses.items())
        ratio = f"{o.ratio:.2f}x" if math.isfinite(o.ratio) else "n/a"
        lines.append(
            f"| {o.name} | {o.counted} | {o.least:.0f} | {o.seconds:.1f} | {ratio} | "
            f"{o.ok} / {o.failed} | {o.refused_429} | {statuses} | "
            f"{'met' if o.meets_goal else 'NOT met'} |"
        )
    lines += ["", "## Checks and problems", ""]
    for o in outcomes:
        notes = [*o.checks, *(f"problem: {p}" for p in o.problems)]
        notes += [f"error: {e}" for e in o.errors]
        if o.throttled_jobs:
            notes.append(f"{o.throttled_jobs} jobs refused for a throttled step (422)")
        notes.append(f"{o.login_requests} anonymous requests (login, version/)")
        if o.refused_429:
            notes.append(f"429s by path: {o.refused_by_path}")
        if o.holds:
            notes.append(
                f"a 429 set or moved the client's hold {len(o.holds)} times (in this process; "
                f"each: {o.holds} s)"
            )
        lines.append(f"- **{o.name}** (user `{o.user}`): " + "; ".join(notes) + ".")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=Rate.parse, default=Rate.parse("60/min"))
    parser.add_argument("--items", type=int, default=150)
    parser.add_argument("--split", type=int, default=DEFAULT_SPLIT, help="steps a job part")
    parser.add_argument("--out", type=Path, default=RESULTS, help="where to write the results")
    args = parser.parse_args(argv)
    rate: Rate = args.rate
    items: int = args.items
    split: int = args.split
    #: name: (user, work, the client's rate_limit, check after the timing)
    scenarios: dict[str, tuple[str, str, str | None, str | None]] = {
        "1. thread batch, 8 threads": ("bench-threads", "thread_batch", None, None),
        "2. process batch, 2 processes x 4 threads": (
            "bench-processes",
            "process_batch",
            None,
            None,
        ),
        "3. page walk, iter_cluster(page_size=1, workers=4)": (
            "bench-pages",
            "page_walk",
            None,
            None,
        ),
        f"4. atomic job, split={split}": ("bench-atomic", "atomic_job", None, "atomic_check"),
        f"5. thread batch, rate_limit={rate.text!r}": (
            "bench-ratelimit",
            "thread_batch",
            rate.text,
            None,
        ),
    }
    users = [UserSpec(user, PASSWORD, is_staff=True) for user, *_ in scenarios.values()]
    users.append(UserSpec("checker", PASSWORD, is_staff=True))
    version = package_version()
    print(f"package: {version}", flush=True)
    started = time.perf_counter()
    outcomes: list[Outcome] = []
    with tempfile.TemporaryDirectory(prefix="throttle-bench-") as folder:
        database = str(Path(folder) / "keystone.sqlite3")
        seed = seed_database(database, users, items)
        print(f"seeded {len(seed)} clusters in {time.perf_counter() - started:.1f} s", flush=True)
        with KeystoneEmulator(
            api=API, user_throttle=rate.text, database_path=database, users=users
        ) as emulator:
            bench = Bench(emulator, rate, items, seed, split)
            for name, (user, work, limit, check) in scenarios.items():
                checker = None if check is None else getattr(bench, check)
                outcomes.append(bench.run(name, user, getattr(bench, work), limit, checker))
    total = time.perf_counter() - started
    versions = (version, package_version())
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "throttle.md").write_text(markdown(outcomes, rate, items, total, versions), "utf-8")
    report = {
        "machine": machine_note(rate, items),
        "python": platform.python_version(),
        "cores": os.cpu_count(),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "package": versions[0],
        "package_at_end": versions[1],
        "rate": rate.text,
        "items": items,
        "split": split,
        "goal_ratio": GOAL,
        "least_time": "floor((N-1)/R)*W for N counted requests of cost 1; greedy on the "
        "sliding window for jobs of cost 1 + steps",
        "total_seconds": round(total, 1),
        "scenarios": [
            {**asdict(o), "ratio": round(o.ratio, 3), "meets_goal": o.meets_goal} for o in outcomes
        ],
    }
    (args.out / "throttle.json").write_text(json.dumps(report, indent=2) + "\n", "utf-8")
    print(markdown(outcomes, rate, items, total, versions))
    return 0 if all(o.meets_goal for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
