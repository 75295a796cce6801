"""The README and the guides without a test of their own: their python blocks run."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from guide_runner import DOCS, ROOT, guide_blocks, python_blocks, run_guide

from keystone.resources.declared import RELEASES
from keystone.testing import KeystoneEmulator
from keystone.testing.config import KNOWN_APIS
from keystone_client import KeystoneClient

TESTING_GUIDE = DOCS / "testing.md"


@pytest.fixture(scope="module")
def emulator() -> Iterator[KeystoneEmulator]:
    with KeystoneEmulator(api="0.3.26") as server:
        yield server


@pytest.mark.parametrize("api", KNOWN_APIS)
def test_readme_example_runs(api: str, line_emulators: Callable[[str], KeystoneEmulator]) -> None:
    """On every release line, as written: the client finds out which release it talks to."""
    assert len(python_blocks((ROOT / "README.md").read_text(encoding="utf-8"))) == 1
    emulator = line_emulators(api)
    scope = run_guide(ROOT / "README.md", emulator=emulator)
    client = scope["client"]
    assert client.is_authenticated is False  # the example ends with logout()
    assert client.server.follows == api
    client.login(emulator.admin_username, emulator.admin_password)
    assert client.retrieve_cluster(pk=scope["cluster"]["id"]) is None  # it was deleted


def test_the_demo_runs_against_both_generations() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "demo.py")],
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if not k.startswith("KEYSTONE_")},  # emulators
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    for api in ("0.3.26", "0.10.9"):
        assert f"started a local Keystone {api} emulator" in done.stdout
        assert f"(Keystone {api}) as admin" in done.stdout
    assert done.stdout.count("logged out") == 2
    # a line for each record, not the records themselves
    assert done.stdout.count('description "Created by the demo"') == 2 * 2  # created, found
    assert done.stdout.count('description "Updated"') == 2
    assert "{" not in done.stdout


def test_the_async_example_runs_against_both_generations() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "async_bulk.py")],
        capture_output=True,
        text=True,
        timeout=120,
        env={k: v for k, v in os.environ.items() if not k.startswith("KEYSTONE_")},  # emulators
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    for api in ("0.3.26", "0.10.9"):
        assert f"(Keystone {api}) as admin" in done.stdout
    assert done.stdout.count("created 50 clusters") == 2
    assert done.stdout.count("listed 50 of them") == 2
    assert done.stdout.count("deleted 50 clusters") == 2


def test_authentication_guide_runs(emulator: KeystoneEmulator) -> None:
    """The JWT blocks run against 0.3.26; the session blocks against 0.10.9, one over HTTPS."""
    guide = DOCS / "authentication.md"
    profiles = [block.profile for block in guide_blocks(guide.read_text(encoding="utf-8"))]
    assert profiles.count("") >= 4 and profiles.count("0.10.9") >= 3
    assert profiles.count("0.10.9 tls") == 1
    with (
        KeystoneEmulator(api="0.10.9") as current,
        KeystoneEmulator(api="0.10.9", tls=True) as secure,
    ):
        scope = run_guide(
            guide, emulator=emulator, emulators={"0.10.9": current, "0.10.9 tls": secure}
        )
        assert scope["client"].is_authenticated  # the last block's, with an API token
        assert scope["me"]["username"] == current.admin_username  # the token's user
        assert current.stats.count(method="POST", path="/users/teams/", status=201) == 1
        assert current.stats.count(method="DELETE", status=204) == 1  # its cluster
        assert secure.stats.count(method="POST", path="/users/teams/", status=201) == 1
        assert current.stats.count(status=403) + secure.stats.count(status=403) == 0


@pytest.mark.parametrize("api", ["0.3.26", "0.10.9"])
def test_batch_jobs_guide_runs(api: str) -> None:
    """As a reader of each generation: the shared blocks, and the atomic jobs on 0.10.9."""
    pytest.importorskip("distributed")
    guide = DOCS / "batch_jobs.md"
    profiles = [block.profile for block in guide_blocks(guide.read_text(encoding="utf-8"))]
    assert profiles.count("0.10.9") >= 3 and "file=my_batch.py" in profiles
    with KeystoneEmulator(api=api, user_throttle=None) as server:
        scope = run_guide(guide, reader=server)
    assert len(scope["results"]) == 20
    assert scope["clone"].is_authenticated  # its own copy of the session
    assert scope["on_processes"].values == scope["names"]
    # the Dask script, a script of its own, lists the clusters in the server's order
    assert sorted(scope["on_dask"].values) == sorted(scope["names"])
    assert scope["on_dask"].failed == []
    assert ("job" in scope) == (api == "0.10.9")


@pytest.mark.parametrize("api", ["0.3.26", "0.10.9"])
def test_async_guide_runs(api: str, line_emulators: Callable[[str], KeystoneEmulator]) -> None:
    """As a reader of each generation: every block through the async client, on aiohttp;
    the atomic job on 0.10.9 only."""
    guide = DOCS / "async.md"
    profiles = [block.profile for block in guide_blocks(guide.read_text(encoding="utf-8"))]
    assert profiles.count("0.10.9") == 1
    server = line_emulators(api)
    before = server.stats.count(method="POST", path="/allocations/clusters/", status=201)
    scope = run_guide(guide, reader=server)
    made = server.stats.count(method="POST", path="/allocations/clusters/", status=201) - before
    assert made == 1 + 1 + 20  # the first block's, the shared one's, the batch's
    assert "one_job" in scope if api == "0.10.9" else "one_job" not in scope
    if api == "0.10.9":
        assert server.stats.count(method="POST", path="/batch/", status=200) >= 1


def test_testing_guide_runs(tmp_path: Path) -> None:
    """Blocks run as written; the one that is a pytest module runs under pytest (in its own
    process, while the other blocks run here: the two share nothing)."""
    blocks = python_blocks(TESTING_GUIDE.read_text(encoding="utf-8"))
    pytest_blocks = [line for line, code in blocks if code.startswith("# test_")]
    assert len(pytest_blocks) == 1

    (code,) = (code for line, code in blocks if line in pytest_blocks)
    module = tmp_path / code.splitlines()[0].removeprefix("# ").strip()
    module.write_text(code, encoding="utf-8")
    with subprocess.Popen(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(module)],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as under_pytest:
        try:
            run_guide(TESTING_GUIDE, skip=tuple(pytest_blocks))
        finally:
            stdout, stderr = under_pytest.communicate(timeout=300)
    assert under_pytest.returncode == 0, stdout + stderr
    assert " passed" in stdout


@pytest.mark.parametrize("api", ["0.3.26", "0.7.5", "0.10.9"])
def test_from_official_client_page_runs(
    api: str, line_emulators: Callable[[str], KeystoneEmulator]
) -> None:
    """The official client's spellings that this client accepts, on every generation."""
    emulator = line_emulators(api)
    scope = run_guide(DOCS / "from_official_client.md", emulator=emulator)
    assert scope["me"]["username"] == emulator.admin_username
    assert scope["client"].is_authenticated is False  # logged out
    assert scope["status"] == 404 and "response" not in scope  # http_get raised NotFoundError
    assert emulator.stats.count(method="PATCH", status=200) >= 2  # both updates were sent
    client = KeystoneClient(emulator.url)
    client.login(emulator.admin_username, emulator.admin_password)
    assert client.retrieve_cluster(filters={"name": "Ported-Cluster"}) == []  # deleted


@pytest.mark.parametrize("api", ["0.3.26", "0.7.5", "0.10.9"])
def test_compatibility_page_runs(
    api: str, line_emulators: Callable[[str], KeystoneEmulator]
) -> None:
    guide = DOCS / "compatibility.md"
    scope = run_guide(guide, emulator=line_emulators(api))
    assert scope["server"].follows == api


def test_compatibility_page_names_known_releases() -> None:
    """Every release the page names (but the ``0.0.0`` of source checkouts) is one the client
    knows."""
    text = (DOCS / "compatibility.md").read_text(encoding="utf-8")
    named = set(re.findall(r"\b0\.\d+\.\d+(?:\.\d+)?\b", text)) - {"0.0.0"}
    assert len(named) > 30 and named <= set(RELEASES)
