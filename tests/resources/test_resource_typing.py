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

from typing import Any

from keystone_client import KeystoneClient

client = KeystoneClient(url="http://localhost:8000")
client.login(username="username", password="password")
created: dict[str, Any] = client.create_cluster(name="New-Cluster", description="...")
found: list[dict[str, Any]] = client.retrieve_cluster(filters={"name": "New-Cluster"})
one: dict[str, Any] | None = client.retrieve_cluster(pk=1)
also: dict[str, Any] | None = client.retrieve_user("2", timeout=5)
updated: dict[str, Any] = client.update_cluster(pk=1, data={"description": "Updated"})
client.delete_cluster(pk=1)
client.delete_cluster(pk=1, raise_not_exists=True, timeout=(1.0, 5.0))
for log in client.iter_request_log(filters={"response_code": 500}, page_size=100):
    print(log["endpoint"])
logs: list[dict[str, Any]] = client.retrieve_task_result()
version: str = client.api_version
"""

BAD = """\
from keystone_client import KeystoneClient

client = KeystoneClient(url="http://localhost:8000")
client.create_clustr(name="typo")
client.delete_app_log(pk=1)
record: dict[str, object] = client.retrieve_cluster(pk=1)
client.update_cluster(pk=1)
"""


def test_mypy_accepts_correct_use_and_rejects_misspelt_methods(tmp_path: Path) -> None:
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
    bad_lines = [line for line in lines if "bad_use.py" in line]
    assert any('"create_clustr"' in line and "[attr-defined]" in line for line in bad_lines), report
    assert any('"delete_app_log"' in line and "[attr-defined]" in line for line in bad_lines)
    assert any(":6:" in line and "[assignment]" in line for line in bad_lines), report
    assert any(":7:" in line and "[call-arg]" in line for line in bad_lines), report
    assert result.returncode == 1
