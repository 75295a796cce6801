"""Run the benchmark suites; write ``benchmarks/results/latest.{md,json,png}``.

    python benchmarks/run.py [--rounds 7] [--requests 2000]
        [--only cpu,batch,async,pages,jobs,memory]

Every figure comes from this one run on this machine: CPU figures are medians of alternating
rounds, ratios are against raw urllib3 measured in the same run (the async suite's against raw
aiohttp and the sync client's 32-thread batch, in the same run too).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import async_bench
import batch_bench
import jobs_bench
import memory_bench
import pages_bench
from cases import single_request_cases
from chart import draw
from harness import HERE, canned_server, machine_note, measure, table

from keystone import KeystoneClient

BASELINE = "raw urllib3 + json.loads"
SUITES = ("cpu", "batch", "async", "pages", "jobs", "memory")


def main() -> None:
    parser = argparse.ArgumentParser(description="keystone-api-client benchmarks")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--batch-requests", type=int, default=2000)
    parser.add_argument("--latency", type=float, default=0.005, help="batch server latency (s)")
    parser.add_argument("--records", type=int, default=100_000, help="memory suite list size")
    parser.add_argument("--page-records", type=int, default=20_000, help="pages suite list size")
    parser.add_argument("--page-latency", type=float, default=0.02, help="pages suite latency")
    parser.add_argument("--creates", type=int, default=1000, help="jobs suite creates")
    parser.add_argument("--only", default=",".join(SUITES), help="comma-separated suites")
    args = parser.parse_args()
    suites = [s for s in args.only.split(",") if s]
    unknown = set(suites) - set(SUITES)
    if unknown:
        parser.error(f"unknown suites {sorted(unknown)}; choose from {', '.join(SUITES)}")

    sections = [f"{machine_note()}.\n"]
    data: dict[str, Any] = {"machine": machine_note()}

    if "cpu" in suites:
        cases = single_request_cases()
        with canned_server() as url:
            measure(cases, url, rounds=args.rounds, requests=args.requests)
        sections.append(
            "### Client CPU per request (single thread, one JSON record)\n\n"
            f"Median of {args.rounds} alternating rounds x {args.requests} requests.\n\n"
            + table(cases, BASELINE)
        )
        data["cpu_us_per_request"] = {c.name: round(c.cpu_us, 1) for c in cases}
        data["requests_per_second"] = {c.name: round(c.rps) for c in cases}

    if "batch" in suites:
        with canned_server(latency=args.latency) as url:
            timings = batch_bench.run(url, requests=args.batch_requests, workers=(8, 32, 64))
        sections.append(
            "### Batch throughput\n\n"
            + batch_bench.table(timings, args.batch_requests, args.latency)
        )
        data["batch_seconds"] = {k: round(v, 3) for k, v in timings.items()}
        data["batch_title"] = f"{args.batch_requests} GETs, {args.latency * 1000:.0f} ms latency"

    if "async" in suites:
        with canned_server(latency=args.latency) as url:
            aio = async_bench.run(url, requests=args.batch_requests, rounds=args.rounds)
        sections.append(
            "### Async throughput (asyncio vs threads)\n\n"
            f"Median of {args.rounds} alternating rounds; CPU is this process's (every thread).\n\n"
            + async_bench.table(aio, args.batch_requests, args.latency)
        )
        data["async"] = {
            name: {
                "requests_per_second": round(r["rps"]),
                "cpu_us_per_request": round(r["cpu_us"], 1),
            }
            for name, r in aio.items()
        }
        data["async_title"] = f"{args.batch_requests} GETs, {args.latency * 1000:.0f} ms latency"

    if "pages" in suites:
        with canned_server(latency=args.page_latency, list_size=args.page_records) as url:
            pages = pages_bench.run(url, records=args.page_records, workers=(4, 8))
        sections.append(
            "### Reading a paginated list\n\n" + pages_bench.table(pages, args.page_latency)
        )
        data["pages_seconds"] = {k: round(v, 3) for k, v in pages["seconds"].items()}
        data["pages_peak_bytes"] = {
            k: pages[k] for k in ("page_peak", "iter_peak", "retrieve_peak")
        }

    if "jobs" in suites:
        jobs = jobs_bench.run(creates=args.creates)
        sections.append(
            "### Creates: threads vs atomic jobs\n\n" + jobs_bench.table(jobs, args.creates)
        )
        data["jobs_seconds"] = {k: round(v, 3) for k, v in jobs.items()}

    if "memory" in suites:
        modes = ("raw", "http_get") + (
            ("retrieve",) if hasattr(KeystoneClient, "retrieve_cluster") else ()
        )
        with canned_server(list_size=args.records) as url:
            memory = memory_bench.run(url, modes)
        sections.append("### Memory\n\n" + memory_bench.table(memory))
        data["memory_peak_bytes"] = {k: v["peak"] for k, v in memory.items()}

    report = "\n\n".join(sections) + "\n"
    print(report)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.md").write_text(report)
    (out / "latest.json").write_text(json.dumps(data, indent=2) + "\n")
    if ("cpu_us_per_request" in data or "batch_seconds" in data) and draw(
        data, out / "latest.png"
    ):  # the chart shows those two suites
        print(f"chart: {out / 'latest.png'}")


if __name__ == "__main__":
    main()
