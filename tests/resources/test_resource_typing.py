"""mypy sees the resource methods: correct use type-checks, a misspelt method does not."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import keystone

# The package's source tree, so mypy reads it even when the installation is an editable hook
# (mypy does not follow those). An installed wheel is found by mypy itself, and mypy refuses a
# site-packages directory on MYPYPATH.
SOURCE_ROOT = Path(keystone.__file__).resolve().parent.parent
EXTRA_ENV = (
    {} if SOURCE_ROOT.name in ("site-packages", "dist-packages") else {"MYPYPATH": str(SOURCE_ROOT)}
)

GOOD = """\
from __future__ import annotations

import time
from typing import Any

from keystone_client import (
    AsyncHandler,
    AsyncKeystoneClient,
    Handler,
    KeystoneClient,
    Request,
    Response,
    per_attempt,
)


def timing(request: Request, call_next: Handler) -> Response:
    started = time.perf_counter()
    response = call_next(request)
    print(time.perf_counter() - started)
    return response


async def atiming(request: Request, call_next: AsyncHandler) -> Response:
    return await call_next(request)


client = KeystoneClient(url="http://localhost:8000", middleware=[timing, per_attempt(timing)])
client = KeystoneClient(base_url="http://localhost:8000", verify_ssl=True, trust_env=False)
client = KeystoneClient(proxy="http://proxy:3128", cert=("client.pem", "client-key.pem"))
aclient = AsyncKeystoneClient(
    "http://localhost:8000", middleware=[atiming, per_attempt(atiming)]
)
client.login(username="username", password="password")
created: dict[str, Any] = client.create_cluster(name="New-Cluster", description="...")
made: dict[str, Any] = client.create_cluster(data={"name": "x"})
found: list[dict[str, Any]] = client.retrieve_cluster(filters={"name": "New-Cluster"})
one: dict[str, Any] | None = client.retrieve_cluster(pk=1)
also: dict[str, Any] | None = client.retrieve_user("2", timeout=5)
updated: dict[str, Any] = client.update_cluster(pk=1, data={"description": "Updated"})
a: dict[str, Any] = client.update_cluster(pk=1, description="x")
b: dict[str, Any] = client.update_cluster(1, {"description": "x"}, 5)
c: dict[str, Any] = client.update_cluster(pk=1, data={"description": "x"}, enabled=False)
client.delete_cluster(pk=1)
client.delete_cluster(pk=1, raise_not_exists=True, timeout=(1.0, 5.0))
for log in client.iter_request_log(filters={"response_code": 500}, page_size=100):
    print(log["endpoint"])
logs: list[dict[str, Any]] = client.retrieve_task_result()
version: str = client.api_version
root: str = client.base_url
raw_one: dict[str, Any] | None = client.with_raw_response.retrieve_cluster(pk=1).parse()
raw_many: list[dict[str, Any]] = client.with_raw_response.retrieve_cluster().parse()
code: int = client.with_raw_response.delete_cluster(pk=1).status_code
posted = client.http_post("attachments/", {"request": 1}, files={"file": ("a.pdf", b"")})


async def main() -> int:
    raw = await aclient.with_raw_response.update_cluster(pk=1, description="x")
    e: dict[str, Any] = raw.parse()
    return len(e) + raw.http_responses[0].status_code
"""

#: Each line is wrong in the way its comment names (mypy's error code).
BAD = """\
from typing import Any

from keystone_client import KeystoneClient

client = KeystoneClient(url="http://localhost:8000")
client.create_clustr(name="typo")  # attr-defined
client.delete_app_log(pk=1)  # attr-defined
record: dict[str, object] = client.retrieve_cluster(pk=1)  # assignment
client.update_cluster(description="x")  # call-arg
client.with_raw_response.iter_cluster()  # attr-defined
raw: dict[str, Any] = client.with_raw_response.retrieve_cluster(pk=1)  # assignment
client.http_get("version", files={"f": ("a.txt", b"")})  # call-arg
"""


def test_mypy_accepts_the_documented_uses_and_rejects_wrong_ones(tmp_path: Path) -> None:
    """One mypy run (it takes seconds): the documented uses type-check under --strict, and
    each wrong line is reported, with the error its comment names."""
    good = tmp_path / "good_use.py"
    bad = tmp_path / "bad_use.py"
    good.write_text(GOOD)
    bad.write_text(BAD)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-error-summary",
            "--show-error-codes",
            "--cache-dir",
            os.devnull,  # no cache: nothing to write, nor to remove afterwards
            str(good),
            str(bad),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env={**os.environ, **EXTRA_ENV},
    )
    report = result.stdout + result.stderr
    assert result.returncode == 1, report  # errors found (2 would mean mypy itself failed)
    lines = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert not [line for line in lines if "good_use.py" in line], report
    found = {
        (int(line.split(":")[1]), line.rsplit("[", 1)[1].rstrip("]"))
        for line in lines
        if "bad_use.py" in line
    }
    expected = {
        (number, text.rsplit("# ", 1)[1])
        for number, text in enumerate(BAD.splitlines(), 1)
        if "  # " in text
    }
    assert len(expected) == 7 and found == expected, report
