"""Run the benchmark suite and write ``benchmarks/results/latest.{md,json}``.

    python benchmarks/run.py [--rounds 7] [--requests 2000]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cases import single_request_cases  # noqa: E402
from harness import HERE, canned_server, machine_note, measure, table  # noqa: E402

BASELINE = "raw urllib3 + json.loads"


def main() -> None:
    parser = argparse.ArgumentParser(description="keystone-api-client benchmarks")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()

    cases = single_request_cases()
    with canned_server() as url:
        measure(cases, url, rounds=args.rounds, requests=args.requests)
    cpu_table = table(cases, BASELINE)
    report = (
        f"## Client CPU per request (single thread, 106-byte JSON record)\n\n"
        f"{machine_note()}; median of {args.rounds} rounds x {args.requests} requests.\n\n"
        f"{cpu_table}\n"
    )
    print(report)
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.md").write_text(report)
    (out / "latest.json").write_text(
        json.dumps(
            {
                "machine": machine_note(),
                "rounds": args.rounds,
                "requests": args.requests,
                "cpu_us_per_request": {c.name: round(c.cpu_us, 2) for c in cases},
                "requests_per_second": {c.name: round(c.rps, 1) for c in cases},
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
