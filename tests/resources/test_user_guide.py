"""Every ```python block of docs/user_guide.md runs, in order, against an emulator of each line.

The emulators are the session's (``line_emulators``), shared with the other modules that test
every line: the guide's examples find their records by their own names. Only the server
address and the credentials are replaced; the rest runs exactly as written. Blocks are
compiled with their line numbers in the guide, so a failure points at the guide.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from guide_runner import DOCS, GUIDE_URL, guide_blocks, marks_release, python_blocks, run_guide

from keystone.resources._endpoints import declarations
from keystone.resources.catalog import RESOURCES
from keystone.resources.declared import RELEASES
from keystone.testing import KeystoneEmulator
from keystone.testing.config import KNOWN_APIS

GUIDE = DOCS / "user_guide.md"


def test_the_guide_has_the_seed_examples() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    code = "\n".join(block for _, block in python_blocks(text))
    assert len(python_blocks(text)) >= 8
    assert 'client.login(username="username", password="password")' in code
    assert f'KeystoneClient(url="{GUIDE_URL}")' in code
    for call in (
        "assert client.is_authenticated",
        'client.http_get("version")',
        'client.create_cluster(name="New-Cluster"',
        'client.retrieve_cluster(filters={"name": "New-Cluster"})',
        "client.retrieve_cluster(pk=pk)",
        'client.update_cluster(pk=pk, data={"description": "Updated"})',
        "client.delete_cluster(pk=pk)",
        "client.delete_cluster(pk=pk, raise_not_exists=True)",
        "client.logout()",
        "client.iter_cluster(",
    ):
        assert call in code, call


def test_the_guide_names_every_method() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    for resource in RESOURCES:
        operations = {
            op
            for release in RELEASES
            for path in resource.paths
            if path in declarations(release)
            for op in declarations(release)[path].operations
        }
        verbs = [op.value for op in operations] + ["iter"]
        for verb in verbs:
            assert f"`{verb}_{resource.name}`" in text, f"{verb}_{resource.name}"
        for path in resource.paths:
            assert f"`{path}/`" in text, path


@pytest.mark.parametrize("api", KNOWN_APIS, ids=[f"keystone-{api}" for api in KNOWN_APIS])
def test_every_code_block_runs(api: str, line_emulators: Callable[[str], KeystoneEmulator]) -> None:
    """The guide as a reader of each release line runs it: the shared blocks and their own,
    against an emulator of the line's last release, found out by the client itself."""
    run_guide(GUIDE, reader=line_emulators(api))


def test_every_block_is_for_some_release() -> None:
    for block in guide_blocks(GUIDE.read_text(encoding="utf-8")):
        if block.profile:
            assert any(marks_release(block.profile, api) for api in KNOWN_APIS), block.line


def test_each_release_line_has_its_own_blocks_and_shares_the_rest() -> None:
    blocks = guide_blocks(GUIDE.read_text(encoding="utf-8"))
    profiles = [block.profile for block in blocks]
    for api in KNOWN_APIS:  # every line reads some blocks of its own
        assert any(marks_release(p, api) for p in profiles if p), api
    assert profiles.count("") >= 8  # the seed's examples, the same for every release
    shared = "\n".join(block.code for block in blocks if not block.profile)
    assert "client.login(" in shared and "client.delete_cluster(pk=pk)" in shared
