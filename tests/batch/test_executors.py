"""``client.batch(..., executor=...)``: processes and Dask, against a v0.10.9 emulator.

The functions are at module level: they travel to the workers by pickle.
"""

from __future__ import annotations

import os
import pickle
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from keystone import (
    BatchDeadlineError,
    BatchNotStartedError,
    KeystoneClient,
    NotFoundError,
    ResultTransferError,
    WorkerLostError,
)
from keystone.testing import KeystoneEmulator


def name_and_process(client: KeystoneClient, pk: int) -> tuple[str, int, str]:
    record = client.retrieve_cluster(pk=pk)
    assert record is not None
    return record["name"], os.getpid(), client.whoami()["username"]


def update_or_fail(client: KeystoneClient, pk: int) -> int:
    return int(client.update_cluster(pk=pk, data={"description": "checked"})["id"])


def slow(client: KeystoneClient, pk: int) -> int:
    time.sleep(0.3)
    return pk


class HoldsALockError(Exception):
    """An exception that cannot travel: what it holds does not pickle."""

    def __init__(self, code: int) -> None:
        super().__init__(f"{code}: no")
        self.lock = threading.Lock()


def odd_results(n: int) -> Any:
    if n == 3:
        return threading.Lock()  # cannot be pickled
    if n == 5:
        raise HoldsALockError(5)
    return n


def mark(task: tuple[str, int]) -> int:
    folder, n = task
    time.sleep(0.05)
    (Path(folder) / str(n)).touch()
    return n


def whoami(client: KeystoneClient, n: int) -> str:
    return str(client.whoami()["username"])


def create_or_die(client: KeystoneClient, task: tuple[str, str, int, int]) -> int:
    """Create a cluster; at item ``die_at``, the first time, the worker process dies then."""
    folder, prefix, n, die_at = task
    record = client.create_cluster(name=f"{prefix}-{n:02}")
    died = Path(folder) / "died"
    if n == die_at and not died.exists():
        died.touch()
        os._exit(1)  # as a worker killed (out of memory) right after the create
    return int(record["id"])


def created(client: KeystoneClient, prefix: str) -> list[str]:
    return sorted(c["name"] for c in client.retrieve_cluster(filters={"name__startswith": prefix}))


@pytest.fixture(scope="module")
def emulator() -> Iterator[KeystoneEmulator]:
    with KeystoneEmulator(api="0.10.9", user_throttle=None) as running:
        yield running


@pytest.fixture(scope="module")
def client(emulator: KeystoneEmulator) -> Iterator[KeystoneClient]:
    client = KeystoneClient(emulator.url)
    client.login(emulator.admin_username, emulator.admin_password)  # a session, with CSRF
    yield client
    client.logout()


@pytest.fixture(scope="module")
def clusters(client: KeystoneClient) -> list[int]:
    return [client.create_cluster(name=f"exec-{n:02}")["id"] for n in range(24)]


@pytest.fixture(scope="module")
def processes() -> Iterator[ProcessPoolExecutor]:
    with ProcessPoolExecutor(2) as pool:
        yield pool


def test_processes_run_the_items_with_the_pickled_session(
    client: KeystoneClient, clusters: list[int], processes: ProcessPoolExecutor
) -> None:
    seen: list[tuple[int, int]] = []
    results = client.batch(
        client.bind(name_and_process),
        clusters,
        executor=processes,
        workers=4,
        chunk=5,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert [o.value[0] for o in results] == [f"exec-{n:02}" for n in range(24)]  # type: ignore[index]
    assert {o.value[2] for o in results} == {"admin"}  # type: ignore[index]  # logged in there
    pids = {o.value[1] for o in results}  # type: ignore[index]
    assert os.getpid() not in pids and 1 <= len(pids) <= 2
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert seen[-1] == (24, 24) and len(seen) == 5  # one call a chunk: 5, 5, 5, 5, 4


def test_each_items_error_comes_back_typed(
    client: KeystoneClient, clusters: list[int], processes: ProcessPoolExecutor
) -> None:
    results = client.batch(
        client.bind(update_or_fail), [clusters[0], 999_999, clusters[1]], executor=processes
    )
    assert results[0].ok and results[2].ok
    error = results[1].error
    assert isinstance(error, NotFoundError) and error.status_code == 404
    assert "999999" in str(error)
    session = client.auth.active._jar.value("sessionid", time.time())  # type: ignore[union-attr]
    assert session and session.encode() not in pickle.dumps(error)  # came back without it


def test_the_deadline_holds_across_processes(
    client: KeystoneClient, processes: ProcessPoolExecutor
) -> None:
    results = client.batch(
        client.bind(slow), list(range(1, 17)), executor=processes, workers=1, chunk=2, deadline=0.5
    )
    late = [o for o in results if isinstance(o.error, BatchDeadlineError)]
    done = [o for o in results if o.ok]
    assert done and late and len(done) + len(late) == 16
    assert all("nothing was sent" in str(o.error) for o in late)
    assert all(f"batch item #{o.index} was not started" in str(o.error) for o in late)
    assert all("the batch's 0.5 s deadline" in str(o.error) for o in late)


def test_a_result_that_cannot_come_back_fails_its_item_only_and_the_pool_lives_on(
    processes: ProcessPoolExecutor, client: KeystoneClient
) -> None:
    results = client.batch(odd_results, range(8), executor=processes, chunk=2)
    assert [o.value for o in results if o.ok] == [0, 1, 2, 4, 6, 7]
    value, error = results[3].error, results[5].error
    assert isinstance(value, ResultTransferError) and "its value (a lock)" in str(value)
    assert isinstance(error, ResultTransferError) and "HoldsALockError: 5: no" in str(error)
    assert "batch item #5 ran" in str(error)
    assert client.batch(odd_results, [1], executor=processes).values == [1]  # still usable


def test_an_interrupted_batch_leaves_only_the_chunks_already_given_to_finish(
    processes: ProcessPoolExecutor, client: KeystoneClient, tmp_path: Path
) -> None:
    def interrupt(done: int, total: int) -> None:
        raise KeyboardInterrupt

    tasks = [(str(tmp_path), n) for n in range(40)]
    with pytest.raises(KeyboardInterrupt):
        client.batch(mark, tasks, executor=processes, workers=1, chunk=2, progress=interrupt)
    time.sleep(0.5)  # let the chunks already running end
    ran = len(list(tmp_path.iterdir()))
    assert 2 <= ran <= 2 * (2 + 1 + 1)  # the first chunk, and at most the pool's share more


def test_a_worker_process_that_dies_leaves_the_known_outcomes_and_marks_the_rest(
    client: KeystoneClient, emulator: KeystoneEmulator, tmp_path: Path
) -> None:
    tasks = [(str(tmp_path), "died", n, 9) for n in range(40)]
    emulator.stats.reset()
    seen: list[tuple[int, int]] = []
    with ProcessPoolExecutor(2) as pool:  # one of its own: it breaks
        results = client.batch(
            client.bind(create_or_die),
            tasks,
            executor=pool,
            workers=1,
            chunk=2,
            progress=lambda done, total: seen.append((done, total)),
        )
    assert len(results) == 40 and [o.index for o in results] == list(range(40))
    assert seen[-1] == (40, 40)  # every item accounted for, the ones never started too
    made = created(client, "died-")
    ok = [o for o in results if o.ok]
    lost = [o for o in results if isinstance(o.error, WorkerLostError)]
    not_started = [o for o in results if isinstance(o.error, BatchNotStartedError)]
    assert len(ok) + len(lost) + len(not_started) == 40
    assert ok and results[9] in lost and not_started  # finished, lost with it, never started
    assert "may or may not have run" in str(results[9].error)
    assert type(results[9].error.__cause__).__name__ == "BrokenProcessPool"
    assert not any(o.error.request_sent for o in not_started)  # type: ignore[union-attr]
    names = {o.item[2]: f"died-{o.item[2]:02}" for o in results}
    assert {names[o.index] for o in ok} <= set(made)
    assert not {names[o.index] for o in not_started} & set(made)  # nothing sent for them
    assert len(made) == len(set(made))  # none created twice
    assert emulator.stats.count(method="POST", path="/allocations/clusters/") == len(made)


def test_a_bound_function_takes_the_clients_session_as_it_is_now(
    emulator: KeystoneEmulator, processes: ProcessPoolExecutor
) -> None:
    client = KeystoneClient(emulator.url)
    client.login(emulator.admin_username, emulator.admin_password)
    bound = client.bind(whoami)
    assert client.batch(bound, range(4), executor=processes).values == ["admin"] * 4
    client.logout()  # the session the workers hold ends on the server
    client.login(emulator.admin_username, emulator.admin_password)
    assert client.batch(bound, range(4), executor=processes).values == ["admin"] * 4
    client.logout()


def test_a_function_that_cannot_travel_is_refused_with_what_to_do(
    client: KeystoneClient, processes: ProcessPoolExecutor
) -> None:
    with pytest.raises(TypeError, match="Define it at module level"):
        client.batch(lambda pk: pk, [1, 2], executor=processes)
    with pytest.raises(TypeError, match=r"not a concurrent\.futures\.Executor"):
        client.batch(str, [1], executor="processes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="chunk="):
        client.batch(str, [1], executor=processes, chunk=0)
    with pytest.raises(ValueError, match="give executor= too"):
        client.batch(str, [1], chunk=2)


def test_a_thread_executor_shares_the_client_without_pickling(
    client: KeystoneClient, clusters: list[int]
) -> None:
    threads: set[int] = set()
    together = threading.Barrier(2, timeout=10)  # the first two items run at the same time

    def where(c: KeystoneClient, pk: int) -> int:
        assert c is client  # nothing was pickled
        threads.add(threading.get_ident())
        if pk in clusters[:2]:
            together.wait()
        return pk

    with ThreadPoolExecutor(3) as pool:
        results = client.batch(client.bind(where), clusters, executor=pool, workers=2)
    assert results.values == clusters and len(threads) > 1
    assert threading.get_ident() not in threads


def test_dask_runs_the_batch_on_a_local_cluster(
    client: KeystoneClient, clusters: list[int], emulator: KeystoneEmulator, tmp_path: Path
) -> None:
    distributed: Any = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as dask,
    ):
        results = client.batch(
            client.bind(name_and_process), clusters[:12], executor=dask.get_executor(), chunk=4
        )
        failing = client.batch(client.bind(update_or_fail), [999_998], executor=dask.get_executor())
        timed = client.batch(
            client.bind(slow),
            list(range(1, 13)),
            executor=dask.get_executor(),
            workers=1,
            chunk=2,
            deadline=0.5,
        )
        # A worker dies right after the first create of the chunk of items 4 to 7: Dask
        # starts that chunk again on the other worker, which runs none of it.
        tasks = [(str(tmp_path), "dask-died", n, 4) for n in range(12)]
        posts = emulator.stats.count(method="POST", path="/allocations/clusters/")
        rerun = client.batch(
            client.bind(create_or_die), tasks, executor=dask.get_executor(), workers=1, chunk=4
        )
        posts = emulator.stats.count(method="POST", path="/allocations/clusters/") - posts
    assert [o.value[0] for o in results] == [f"exec-{n:02}" for n in range(12)]  # type: ignore[index]
    assert os.getpid() not in {o.value[1] for o in results}  # type: ignore[index]
    assert {o.value[2] for o in results} == {"admin"}  # type: ignore[index]  # the session went
    assert isinstance(failing[0].error, NotFoundError)
    late = [o for o in timed if isinstance(o.error, BatchDeadlineError)]
    assert late and [o for o in timed if o.ok] and len(late) < 12
    assert all("nothing was sent" in str(o.error) for o in late)
    assert [o.index for o in rerun if not o.ok] == [4, 5, 6, 7]
    assert all(isinstance(o.error, WorkerLostError) for o in rerun if not o.ok)
    assert "ran none of it a second time" in str(rerun[4].error)
    made = created(client, "dask-died-")
    assert made == [f"dask-died-{n:02}" for n in (0, 1, 2, 3, 4, 8, 9, 10, 11)]
    assert posts == 9  # one per item that ran: none sent twice
