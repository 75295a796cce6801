"""Peak memory of retrieving many small records: raw urllib3 + json.loads vs the client.

Each measurement runs in a fresh interpreter, so one does not inherit the other's heap, and
reports the peak of traced Python allocations (``tracemalloc``) during the call.
"""

from __future__ import annotations

import json
import subprocess
import sys

_PROGRAM = r"""
import json, sys, tracemalloc
url, how = sys.argv[1], sys.argv[2]
if how == "raw":
    import urllib3
    pool = urllib3.PoolManager()
    fetch = lambda: json.loads(pool.request("GET", url + "allocations/clusters/").data)
elif how == "http_get":
    from keystone import KeystoneClient
    client = KeystoneClient(url)
    fetch = lambda: client.http_get("allocations/clusters").json()
else:
    from keystone import KeystoneClient
    client = KeystoneClient(url)
    fetch = lambda: client.retrieve_cluster()
fetch()  # warm: imports, connection
tracemalloc.start()
records = fetch()
current, peak = tracemalloc.get_traced_memory()
print(json.dumps({"records": len(records), "peak": peak, "kept": current}))
"""


def measure(url: str, how: str) -> dict[str, int]:
    out = subprocess.run(
        [sys.executable, "-c", _PROGRAM, url, how], capture_output=True, text=True, check=True
    )
    result: dict[str, int] = json.loads(out.stdout)
    return result


def run(url: str, modes: tuple[str, ...]) -> dict[str, dict[str, int]]:
    """Measure each mode (``raw``, ``http_get``, ``retrieve``) against a large-list server."""
    return {name: measure(url, name) for name in modes}


def table(results: dict[str, dict[str, int]]) -> str:
    base = results["raw"]["peak"]
    labels = {
        "raw": "raw urllib3 + json.loads",
        "http_get": "KeystoneClient.http_get().json()",
        "retrieve": "KeystoneClient.retrieve_cluster()",
    }
    lines = [
        f"Retrieving {results['raw']['records']:,} small records in one response:",
        "",
        "| client | peak MiB | vs raw urllib3 |",
        "|---|---:|---:|",
    ]
    for name, figures in results.items():
        lines.append(
            f"| {labels.get(name, name)} | {figures['peak'] / 2**20:.1f} | "
            f"{figures['peak'] / base:.2f}x |"
        )
    return "\n".join(lines)
