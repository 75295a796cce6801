"""250 creates while about 10% of requests meet injected faults of every kind.

Afterwards every input is either created exactly once on the server, or was reported to the
caller as failed or of unknown outcome: none is lost without a report, none created twice.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from backoff_client import Chain

from keystone import KeystoneError, OutcomeUnknownError, RetryPolicy
from keystone.testing import KeystoneEmulator

RECORDS = 250
FAULT_RATE = 0.10
WORKERS = 4
READ_TIMEOUT = 1.0
CLUSTERS = "allocations/clusters/"
POLICY = RetryPolicy(max_attempts=4, backoff_base=0.02, backoff_cap=0.2, deadline=20)

#: Every kind of fault the emulator injects, with what the client must make of it for a POST.
FAULTS: list[tuple[str, dict[str, Any]]] = [
    ("status", {"code": 429}),  # throttled, no Retry-After: backed off, retried
    ("status", {"code": 429, "retry_after": 0}),  # retried after Retry-After
    ("status", {"code": 503, "retry_after": 0}),  # refused before processing: retried
    ("status", {"code": 503}),  # may have been processed: reported failed
    ("status", {"code": 502}),  # reported failed
    ("status", {"code": 504}),  # reported failed
    ("drop_before_processing", {}),  # outcome unknown (not created)
    ("drop_before_processing", {"reset": True}),  # outcome unknown (not created)
    ("drop_after_processing", {}),  # outcome unknown (created)
    ("drop_after_processing", {"reset": True}),  # outcome unknown (created)
    ("delay", {"seconds": READ_TIMEOUT * 2}),  # read timeout: outcome unknown (created)
]


@pytest.fixture
def emulator() -> Iterator[KeystoneEmulator]:
    with KeystoneEmulator(
        api="0.3.26", access_token_lifetime=3600, user_throttle=None, anon_throttle=None
    ) as emulator:
        yield emulator


def test_250_creates_under_faults_are_each_created_once_or_reported(
    emulator: KeystoneEmulator,
) -> None:
    login = Chain(emulator.url).send(
        "POST", "authentication/new/", {"username": "admin", "password": "admin"}
    )
    chain = Chain(
        emulator.url,
        POLICY,
        token=login.json()["access"],
        timeout=(5, READ_TIMEOUT),
        pool_maxsize=WORKERS,
    )
    emulator.stats.reset()
    names = [f"fault-run-{i}" for i in range(RECORDS)]
    rng = random.Random(20240605)
    schedule = [rng.random() < FAULT_RATE for _ in names]
    kinds = list(range(len(FAULTS)))
    rng.shuffle(kinds)
    injected: Counter[str] = Counter()
    lock = threading.Lock()

    def create(index: int) -> str:
        if schedule[index]:
            with lock:
                kind, options = FAULTS[kinds[sum(injected.values()) % len(FAULTS)]]
                label = f"{kind}{options}"
                injected[label] += 1
            getattr(emulator.faults, kind)(path="/" + CLUSTERS, times=1, **options)
        body = {"name": names[index], "description": f"input {index}"}
        try:
            chain.send("POST", CLUSTERS, body)
        except OutcomeUnknownError:
            return "unknown"
        except KeystoneError:
            return "failed"
        return "created"

    with ThreadPoolExecutor(WORKERS) as pool:
        reported = list(pool.map(create, range(RECORDS)))

    # Delayed requests finish on the server after their client gave up: wait for them.
    emulator.faults.clear()
    delays = sum(n for label, n in injected.items() if label.startswith("delay"))
    deadline = time.monotonic() + 30
    while emulator.stats.count(fault="delay") < delays and time.monotonic() < deadline:
        time.sleep(0.05)

    on_server = Counter(
        record["name"] for record in chain.send("GET", CLUSTERS).json() if record["name"]
    )
    stats = emulator.stats.snapshot()
    outcome: Counter[str] = Counter()
    for name, report in zip(names, reported, strict=True):
        copies = on_server[name]
        if copies > 1:
            outcome["duplicates"] += 1
        elif report == "created":
            outcome["created once" if copies == 1 else "lost"] += 1
        elif report == "failed":
            outcome["failed, not created" if copies == 0 else "failed, yet created"] += 1
        else:
            outcome["unknown, created" if copies == 1 else "unknown, not created"] += 1
    faulted = stats.count(method="POST", path="/" + CLUSTERS, faulted=True)
    sent = stats.count(method="POST", path="/" + CLUSTERS)
    print(
        f"\n{RECORDS} inputs, {sent} POSTs reached the server, {faulted} met a fault "
        f"({faulted / sent:.1%}); faults injected: {dict(injected)}; outcomes: {dict(outcome)}"
    )

    assert outcome["duplicates"] == 0
    assert outcome["lost"] == 0
    assert outcome["failed, yet created"] == 0  # injected 5xx never reach the application
    assert sum(outcome.values()) == RECORDS
    assert len(injected) == len(FAULTS)  # every kind of fault occurred
    assert faulted == sum(injected.values())
    assert 0.05 < faulted / sent < 0.15
    assert outcome["unknown, created"] + outcome["unknown, not created"] > 0
    assert outcome["failed, not created"] > 0
