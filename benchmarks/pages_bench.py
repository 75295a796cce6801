"""Reading a paginated list: pages in parallel vs following ``next`` one page at a time.

The canned server pages ``records`` records the way Keystone 0.4 and later do (at most 1000 a
page, with ``count`` and ``next``) and answers each page after ``latency`` seconds. Timed:

- following the ``next`` links with ``http_get``, one page after another (what a client
  without parallel pages does);
- ``retrieve_request(workers=1)`` (pages one after another, each overlapping the one before);
- ``retrieve_request(workers=n)`` for each ``n``.

Memory: the peak of ``iter_request()`` while walking the whole list, in pages' worth (one
page's worth is what decoding one page's body takes), against ``retrieve_request()``.
"""

from __future__ import annotations

import json
import time
import tracemalloc
from typing import Any

from keystone import KeystoneClient
from keystone._operations.parallel import ITER_WORKERS

LIST = "allocations/requests/"


def _follow_next(client: KeystoneClient) -> int:
    response = client.http_get(LIST, params={"_limit": 1000})
    count = 0
    while True:
        page = response.json()
        count += len(page["results"])
        if not page["next"]:
            return count
        response = client.http_get(page["next"])


def run(url: str, *, records: int, workers: tuple[int, ...], rounds: int = 3) -> dict[str, Any]:
    """Seconds (best of ``rounds``) for each way of reading the list, and the memory peaks."""
    client = KeystoneClient(url, server="0.4+", pool_maxsize=max(workers))
    assert _follow_next(client) == records  # warm the connections and the server's cache
    timings: dict[str, float] = {}
    ways: dict[str, Any] = {"following next, one page at a time": lambda: _follow_next(client)}
    ways["retrieve_request(workers=1)"] = lambda: len(client.retrieve_request(workers=1))
    for count in workers:
        ways[f"retrieve_request(workers={count})"] = lambda n=count: len(
            client.retrieve_request(workers=n)
        )
    for _ in range(rounds):
        for name, way in ways.items():
            started = time.perf_counter()
            assert way() == records
            seconds = time.perf_counter() - started
            timings[name] = min(timings.get(name, seconds), seconds)

    one_page = _peak(
        lambda: len(json.loads(client.http_get(LIST, params={"_limit": 1000}).content))
    )
    walked = _peak(lambda: sum(1 for _ in client.iter_request()))
    whole = _peak(lambda: len(client.retrieve_request()))
    return {
        "seconds": timings,
        "page_peak": one_page,
        "iter_peak": walked,
        "retrieve_peak": whole,
        "records": records,
    }


def _peak(walk: Any) -> int:
    tracemalloc.start()
    try:
        walk()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def table(result: dict[str, Any], latency: float) -> str:
    seconds = result["seconds"]
    base = seconds["following next, one page at a time"]
    lines = [
        f"{result['records']:,} records in pages of 1000, {latency * 1000:.0f} ms server latency "
        "a page (best of 3):",
        "",
        "| way | seconds | speed-up vs following next |",
        "|---|---:|---:|",
    ]
    lines += [f"| {name} | {s:.3f} | {base / s:.1f}x |" for name, s in seconds.items()]
    page = result["page_peak"]
    lines += [
        "",
        "| memory while reading the list | peak | pages' worth |",
        "|---|---:|---:|",
        f"| one page decoded (the unit) | {page / 1e6:.1f} MB | 1.0 |",
        f"| iter_request(), default {ITER_WORKERS} workers | {result['iter_peak'] / 1e6:.1f} MB | "
        f"{result['iter_peak'] / page:.1f} |",
        f"| retrieve_request() (the whole list) | {result['retrieve_peak'] / 1e6:.1f} MB | "
        f"{result['retrieve_peak'] / page:.1f} |",
    ]
    return "\n".join(lines)
