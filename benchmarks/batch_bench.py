"""Batch throughput: N GETs against a server with fixed latency, sequential vs ``client.batch``.

For scale, the same GETs are also made with raw urllib3 on a plain thread pool of the largest
size: on a small machine many threads become CPU-bound in the HTTP stack itself, and that row
shows where the stack's own ceiling is.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

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
    timings[f"raw urllib3, {most} threads (ceiling)"] = _timed_raw(url, requests, most)
    return timings


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
