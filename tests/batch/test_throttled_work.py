"""Bulk work under the server's throttle, at default settings, against a v0.10.9 emulator.

The emulator throttles each user as Keystone does (Django REST framework's sliding window),
here at 10 requests a second so that the tests meet it within a few seconds. Each test works
as its own user (the throttle counts per user) on its own endpoints (so the server's counts
tell the tests apart). Every item must be done, and no write sent twice; the server's 429s
show that the throttle was met. (How long each takes, against the least time the throttle
allows, is measured in ``benchmarks/throttle_bench.py``, not asserted here.)
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor

import pytest

from keystone import (
    BatchDeadlineError,
    KeystoneClient,
    RetryPolicy,
    ThrottledError,
    ThrottleWaitError,
)
from keystone.testing import KeystoneEmulator, UserSpec

PASSWORD = "Worker-pw-123"
RATE = "10/s"


@pytest.fixture(scope="module")
def emulator() -> Iterator[KeystoneEmulator]:
    users = [UserSpec(f"worker{n}", PASSWORD, is_staff=True) for n in range(6)]
    with KeystoneEmulator(api="0.10.9", user_throttle=RATE, users=users) as running:
        yield running


def logged_in(emulator: KeystoneEmulator, worker: int, **options: object) -> KeystoneClient:
    client = KeystoneClient(emulator.url, **options)  # type: ignore[arg-type]
    client.login(f"worker{worker}", PASSWORD)
    return client


def whoami(client: KeystoneClient, n: int) -> str:
    return str(client.whoami()["username"])


def test_a_thread_batch_of_creates_finishes_each_once(emulator: KeystoneEmulator) -> None:
    client = logged_in(emulator, 0)
    names = [f"throttled-{n:02}" for n in range(16)]  # with the login, 17 in the first second
    results = client.batch(lambda name: client.create_cluster(name=name), names, workers=8)
    assert not results.failed, results.failed[:3]
    posts = emulator.stats.statuses(method="POST", path="allocations/clusters/")
    assert posts.get(201) == 16 and posts.get(429, 0) >= 1, posts  # met, and each sent once
    assert set(posts) == {201, 429}
    made = [c["name"] for c in client.retrieve_cluster(filters={"name__startswith": "throttled-"})]
    assert sorted(made) == names


def test_a_process_batch_finishes_every_item(emulator: KeystoneEmulator) -> None:
    client = logged_in(emulator, 1)
    with ProcessPoolExecutor(2) as pool:
        results = client.batch(client.bind(whoami), range(16), executor=pool, workers=4, chunk=4)
    assert not results.failed, results.failed[:3]
    assert len(results) == 16 and {o.value for o in results} == {"worker1"}
    answers = emulator.stats.statuses(method="GET", path="authentication/whoami/")
    assert answers.get(200, 0) >= 16 and answers.get(429, 0) >= 1, answers


def test_a_page_walk_reads_every_page(emulator: KeystoneEmulator) -> None:
    writer = logged_in(emulator, 2)
    job = writer.atomic()
    for n in range(8):
        job.create_team(name=f"walked-{n}")
    job.run()  # 9 of worker2's 10 a second: the walk is another user's
    reader = logged_in(emulator, 3)
    seen: list[tuple[int, int]] = []
    records = list(
        reader.iter_team(
            filters={"name__startswith": "walked-"},
            page_size=2,
            workers=4,
            progress=lambda done, total: seen.append((done, total)),
        )
    )
    assert sorted(r["name"] for r in records) == [f"walked-{n}" for n in range(8)]
    assert seen[-1] == (8, 8)
    more = list(reader.iter_team(page_size=1, workers=4))  # every team: more pages than 10
    every = reader.retrieve_team()
    assert [t["id"] for t in more] == [t["id"] for t in every] and len(every) >= 8
    pages = emulator.stats.statuses(method="GET", path="users/teams/")
    assert pages.get(429, 0) >= 1, pages


def test_a_split_job_finishes_every_part(emulator: KeystoneEmulator) -> None:
    client = logged_in(emulator, 4)
    before = emulator.stats.statuses(method="POST", path="batch/")
    seen: list[tuple[int, int]] = []
    job = client.atomic(split=4, progress=lambda done, total: seen.append((done, total)))
    for n in range(12):
        job.create_team(name=f"split-{n:02}")
    results = job.run()  # three parts of 4 steps, each counting 5: with the login, 16
    assert len(results) == 12 and all(r.status == 201 for r in results)
    assert seen == [(4, 12), (8, 12), (12, 12)]
    after = emulator.stats.statuses(method="POST", path="batch/")
    jobs = {s: n - before.get(s, 0) for s, n in after.items() if n > before.get(s, 0)}
    # Each part committed once (200); the others were throttled whole (429) or at a step
    # (422, rolled back), and sent again after the wait.
    assert jobs.get(200) == 3 and set(jobs) <= {200, 422, 429} and len(jobs) > 1, jobs
    names = [t["name"] for t in client.retrieve_team(filters={"name__startswith": "split-"})]
    assert sorted(names) == [f"split-{n:02}" for n in range(12)]  # each once


def test_a_batch_deadline_that_cannot_be_met_sends_nothing_twice(
    emulator: KeystoneEmulator,
) -> None:
    """At 10 a second, 30 creates need more than 2 s: the ones not done say so, unsent."""
    client = logged_in(emulator, 5, retry=RetryPolicy(max_retry_after=2))
    names = [f"late-{n:02}" for n in range(30)]
    results = client.batch(lambda name: client.create_cluster(name=name), names, deadline=1.0)
    assert results.failed and results.succeeded
    for outcome in results.failed:  # each one unsent, or refused whole by the server
        error = outcome.error
        assert isinstance(error, ThrottleWaitError | BatchDeadlineError | ThrottledError), error
    made = [c["name"] for c in client.retrieve_cluster(filters={"name__startswith": "late-"})]
    assert sorted(made) == sorted(o.item for o in results.succeeded)  # nothing extra, once each
