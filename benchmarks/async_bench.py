"""Async throughput: N GETs at fixed server latency in one process, asyncio vs threads.

Every way makes the same ``requests`` GETs of one record, 64 at a time (the sync batch 32, its
best thread count in the batch suite), against the same canned server (another process, so
only the client's CPU time counts):

- raw aiohttp: one ``ClientSession`` on ``TCPConnector(limit=64)``, the GETs gathered under a
  semaphore of 64, ``json.loads`` of each body (as the raw urllib3 baseline does);
- ``AsyncKeystoneClient(pool_maxsize=64)``: ``await client.batch(fetch, ids, workers=64)``
  with ``fetch`` awaiting ``retrieve_cluster(pk=pk)``, and ``http_get(...).json()`` gathered
  under a semaphore of 64;
- ``KeystoneClient.batch(..., workers=32)`` on threads, with the same ``retrieve_cluster``;
- raw urllib3 on 64 threads (one process's ceiling with threads).

Each way runs once to open its connections, then ``rounds`` times, the order alternating
between rounds; the figures are medians: requests/s (wall) and client CPU per request
(``time.process_time``: every thread of this process, the event loop included).
"""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import urllib3
from batch_bench import DETAIL

from keystone import AsyncKeystoneClient, KeystoneClient, StaticTokenAuth

SERVER = "0.10.9"
RAW_AIOHTTP = "raw aiohttp, 64 connections"
ASYNC_BATCH = "AsyncKeystoneClient.batch(retrieve_cluster), 64 workers"
ASYNC_GATHER = "AsyncKeystoneClient.http_get().json(), 64 gathered"
SYNC_BATCH = "KeystoneClient.batch(retrieve_cluster), 32 threads"
RAW_URLLIB3 = "raw urllib3, 64 threads"


@dataclass
class Way:
    """One way of making the GETs: ``run(ids)`` makes one GET per id, returns the results."""

    name: str
    run: Callable[[range], object]
    walls: list[float] = field(default_factory=list)  # seconds per round
    cpus: list[float] = field(default_factory=list)  # CPU seconds per round

    def rps(self, requests: int) -> float:
        return requests / statistics.median(self.walls)

    def cpu_us(self, requests: int) -> float:
        return statistics.median(self.cpus) / requests * 1e6


def run(url: str, *, requests: int, rounds: int) -> dict[str, dict[str, float]]:
    """``{way: {"rps": ..., "cpu_us": ...}}``, medians of ``rounds`` alternating rounds."""
    loop = asyncio.new_event_loop()
    try:
        ways, closers = _ways(url, loop)
        try:
            for way in ways:  # open every way's connections first
                _check(way.run(range(1, 129)), 128)
            for round_no in range(rounds):
                for way in ways if round_no % 2 == 0 else reversed(ways):
                    ids = range(1, requests + 1)
                    cpu0, wall0 = time.process_time(), time.perf_counter()
                    results = way.run(ids)
                    way.walls.append(time.perf_counter() - wall0)
                    way.cpus.append(time.process_time() - cpu0)
                    _check(results, requests)
        finally:
            for close in closers:
                close()
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())  # as asyncio.run does
        loop.close()
    return {way.name: {"rps": way.rps(requests), "cpu_us": way.cpu_us(requests)} for way in ways}


def _check(results: Any, requests: int) -> None:
    if hasattr(results, "raise_for_errors"):  # a BatchResults
        results.raise_for_errors()
        results = results.values
    if len(results) != requests or not all(isinstance(r, dict) and "id" in r for r in results):
        raise RuntimeError(f"expected {requests} records, got {results[:3]!r}...")


def _ways(url: str, loop: asyncio.AbstractEventLoop) -> tuple[list[Way], list[Callable[[], Any]]]:
    target = url + DETAIL

    def in_loop(make: Callable[[range], Awaitable[object]]) -> Callable[[range], object]:
        return lambda ids: loop.run_until_complete(make(ids))

    # raw aiohttp
    session = loop.run_until_complete(_session())

    async def raw_aiohttp(ids: range) -> list[object]:
        gate = asyncio.Semaphore(64)

        async def one() -> object:
            async with gate, session.get(target) as response:
                return json.loads(await response.read())

        return await asyncio.gather(*(one() for _ in ids))

    # AsyncKeystoneClient, (a) batch of retrieve_cluster and (b) http_get gathered
    aclient = AsyncKeystoneClient(url, server=SERVER, auth=StaticTokenAuth("key"), pool_maxsize=64)

    async def fetch(pk: int) -> object:
        return await aclient.retrieve_cluster(pk=pk)

    async def async_batch(ids: range) -> object:
        return await aclient.batch(fetch, ids, workers=64)

    async def async_gather(ids: range) -> list[object]:
        gate = asyncio.Semaphore(64)

        async def one(pk: int) -> object:
            async with gate:
                return (await aclient.http_get(f"allocations/clusters/{pk}/")).json()

        return await asyncio.gather(*(one(pk) for pk in ids))

    # the sync client's batch on 32 threads, the same calls
    client = KeystoneClient(url, server=SERVER, auth=StaticTokenAuth("key"))

    def sync_batch(ids: range) -> object:
        return client.batch(lambda pk: client.retrieve_cluster(pk=pk), ids, workers=32)

    # raw urllib3 on 64 threads (batch_bench's raw row, with a pool kept between rounds)
    pool = urllib3.PoolManager(maxsize=64)
    threads = ThreadPoolExecutor(64)

    def raw_urllib3(ids: range) -> list[object]:
        return list(threads.map(lambda _: json.loads(pool.request("GET", target).data), ids))

    ways = [
        Way(RAW_AIOHTTP, in_loop(raw_aiohttp)),
        Way(ASYNC_BATCH, in_loop(async_batch)),
        Way(ASYNC_GATHER, in_loop(async_gather)),
        Way(SYNC_BATCH, sync_batch),
        Way(RAW_URLLIB3, raw_urllib3),
    ]
    closers = [
        lambda: loop.run_until_complete(session.close()),
        lambda: loop.run_until_complete(aclient.aclose()),
        client.close,
        threads.shutdown,
        pool.clear,
    ]
    return ways, closers


async def _session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64))


def table(results: dict[str, dict[str, float]], requests: int, latency: float) -> str:
    raw = results[RAW_AIOHTTP]
    sync = results[SYNC_BATCH]
    lines = [
        f"{requests} GETs, {latency * 1000:.0f} ms server latency, one process:",
        "",
        "| way | requests/s | vs raw aiohttp | vs sync 32-thread batch "
        "| CPU µs/request | CPU vs raw aiohttp |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, r in results.items():
        lines.append(
            f"| {name} | {r['rps']:,.0f} | {r['rps'] / raw['rps']:.2f}x "
            f"| {r['rps'] / sync['rps']:.2f}x | {r['cpu_us']:.1f} "
            f"| {r['cpu_us'] / raw['cpu_us']:.2f}x |"
        )
    return "\n".join(lines)
