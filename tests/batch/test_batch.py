"""The batch helper: order, per-item errors, deadline, progress, pool sizing."""

from __future__ import annotations

import threading
import time

import pytest
from local_server import Canned, LocalServer

import keystone
from keystone import BatchDeadlineError, BatchError, KeystoneClient
from keystone._batch import run_batch


def test_results_in_input_order_with_per_item_errors(local_server: LocalServer) -> None:
    local_server.route(
        "*",
        "/allocations/clusters/",
        lambda r: (
            Canned(200, {"echo": r.path})
            if "id=13" not in r.path
            else Canned(404, {"detail": "No Cluster matches the given query."}, delay=0.05)
        ),
    )
    client = KeystoneClient(local_server.url)
    results = client.batch(
        lambda i: client.http_get("allocations/clusters", params={"id": i}).json(),
        range(40),
        workers=8,
    )
    assert len(results) == 40
    assert [o.index for o in results] == list(range(40))
    assert [o.item for o in results] == list(range(40))
    for outcome in results:
        if outcome.item == 13:
            assert not outcome.ok
            assert isinstance(outcome.error, keystone.NotFoundError)
        else:
            assert outcome.ok
            assert outcome.value == {"echo": f"/allocations/clusters/?id={outcome.item}"}
    assert len(results.succeeded) == 39
    assert [o.item for o in results.failed] == [13]
    assert results.values[13] is None
    with pytest.raises(BatchError, match="1 of 40 batch items failed") as info:
        results.raise_for_errors()
    assert info.value.failed[0][0] == 13
    with pytest.raises(keystone.NotFoundError):
        results[13].unwrap()
    assert "39 ok, 1 failed" in repr(results)


def test_pool_is_sized_to_the_workers(local_server: LocalServer) -> None:
    local_server.route("GET", "/slow/", Canned(200, {}, delay=0.05))
    client = KeystoneClient(local_server.url, pool_maxsize=2)
    client.batch(lambda _: client.http_get("slow"), range(64), workers=16)
    assert client._core.transport.pool_maxsize == 16
    opened = local_server.connections
    assert opened <= 16
    client.batch(lambda _: client.http_get("slow"), range(64), workers=16)
    assert local_server.connections == opened  # every connection was kept and reused


def test_concurrency_is_real(local_server: LocalServer) -> None:
    inside = [0]
    peak = [0]
    lock = threading.Lock()

    def work(_: int) -> None:
        with lock:
            inside[0] += 1
            peak[0] = max(peak[0], inside[0])
        time.sleep(0.02)
        with lock:
            inside[0] -= 1

    run_batch(work, range(64), workers=8)
    assert peak[0] == 8


def test_deadline_stops_starting_new_items() -> None:
    calls: list[int] = []

    def slow(i: int) -> int:
        calls.append(i)
        time.sleep(0.1)
        return i

    results = run_batch(slow, range(50), workers=2, deadline=0.25)
    assert len(results) == 50
    started = [o for o in results if o.ok]
    skipped = [o for o in results if isinstance(o.error, BatchDeadlineError)]
    assert len(started) + len(skipped) == 50
    assert sorted(o.item for o in started) == sorted(calls)
    assert 0 < len(started) < 50
    assert "not started" in str(skipped[0].error)
    assert "nothing was sent" in str(skipped[0].error)


def test_progress_callback_counts_every_item() -> None:
    seen: list[tuple[int, int]] = []
    run_batch(lambda i: i, range(25), workers=4, progress=lambda d, t: seen.append((d, t)))
    assert seen == [(n, 25) for n in range(1, 26)]


def test_progress_bar_with_tqdm(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("tqdm")
    run_batch(lambda i: i, range(10), workers=2, progress_bar=True)
    assert "10/10" in capsys.readouterr().err


@pytest.mark.parametrize("workers", [0, -1, 1.5, True])
def test_bad_worker_counts(workers: object) -> None:
    with pytest.raises(ValueError, match="workers="):
        run_batch(lambda i: i, [1], workers=workers)  # type: ignore[arg-type]


def test_bad_deadline() -> None:
    with pytest.raises(ValueError, match="deadline="):
        run_batch(lambda i: i, [1], workers=1, deadline=0)


def test_empty_input() -> None:
    results = run_batch(lambda i: i, [], workers=3)
    assert len(results) == 0
    results.raise_for_errors()
