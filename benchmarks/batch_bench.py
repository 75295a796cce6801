"""Batch throughput: N GETs against a server with fixed latency, sequential vs ``client.batch``.

For scale, the same GETs are also made with raw urllib3 on a plain thread pool of the largest
size: on a small machine many threads become CPU-bound in the HTTP stack itself (one
interpreter, one core at a time), and that row shows where the stack's own ceiling is. The
last row runs the batch on a process pool (``executor=ProcessPoolExecutor(processes)``) with
the largest thread count inside each process, to use every core.
"""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import urllib3

from keystone import KeystoneClient

DETAIL = "allocations/clusters/1/"


def run(url: str, *, requests: int, workers: tuple[int, ...]) -> dict[str, float]:
    """Seconds for ``requests`` GETs done one by one, then with each worker count."""
    timings: dict[str, float] = {}
    client = KeystoneClient(url)
    client.http_get(DETAIL)
    started = time.perf_counter()
    for _ in range(requests):
        client.http_get(DETAIL).json()
    timings["sequential"] = time.perf_counter() - started
    for count in workers:
        timings[f"batch, {count} workers"] = _timed_batch(KeystoneClient(url), requests, count)
    most = max(workers)
    timings[f"raw urllib3, {most} threads (one process's ceiling)"] = _timed_raw(
        url, requests, most
    )
    processes = os.cpu_count() or 2
    timings[f"batch on {processes} processes x {most // 2} threads"] = _timed_processes(
        KeystoneClient(url), requests, processes, most // 2
    )
    return timings


def get_one(client: KeystoneClient, _: int) -> object:
    """One GET, in a worker process (module level: it travels by pickle)."""
    return client.http_get(DETAIL).json()


def _timed_processes(client: KeystoneClient, requests: int, processes: int, threads: int) -> float:
    work = client.bind(get_one)
    with ProcessPoolExecutor(processes) as pool:
        warm = processes * threads * 2
        client.batch(work, range(warm), executor=pool, workers=threads, chunk=threads)
        started = time.perf_counter()
        results = client.batch(
            work, range(requests), executor=pool, workers=threads, chunk=threads * 4
        )
        elapsed = time.perf_counter() - started
    results.raise_for_errors()
    return elapsed


def _timed_raw(url: str, requests: int, workers: int) -> float:
    pool = urllib3.PoolManager(maxsize=workers)
    target = url + DETAIL

    def get(_: int) -> object:
        return json.loads(pool.request("GET", target).data)

    with ThreadPoolExecutor(workers) as executor:
        list(executor.map(get, range(workers)))
        started = time.perf_counter()
        list(executor.map(get, range(requests)))
        return time.perf_counter() - started


def _timed_batch(client: KeystoneClient, requests: int, workers: int) -> float:
    def get(_: int) -> object:
        return client.http_get(DETAIL).json()

    client.batch(get, range(workers), workers=workers)  # open the pool's connections
    started = time.perf_counter()
    results = client.batch(get, range(requests), workers=workers)
    elapsed = time.perf_counter() - started
    results.raise_for_errors()
    return elapsed


def table(timings: dict[str, float], requests: int, latency: float) -> str:
    base = timings["sequential"]
    lines = [
        f"{requests} GETs, {latency * 1000:.0f} ms server latency:",
        "",
        "| mode | seconds | requests/s | speed-up vs sequential |",
        "|---|---:|---:|---:|",
    ]
    for name, seconds in timings.items():
        lines.append(
            f"| {name} | {seconds:.2f} | {requests / seconds:,.0f} | {base / seconds:.1f}x |"
        )
    return "\n".join(lines)
