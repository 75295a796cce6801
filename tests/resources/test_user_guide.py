"""Every ```python block of docs/user_guide.md runs, in order, against a fresh emulator.

Only the server address and the credentials are replaced; the rest runs exactly as written.
Blocks are compiled with their line numbers in the guide, so a failure points at the guide.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

from keystone.resources import RESOURCES, Operation
from keystone.testing import KeystoneEmulator

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "user_guide.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)
GUIDE_URL = "http://localhost:8000"


def python_blocks(text: str) -> list[tuple[int, str]]:
    """``(first line number, code)`` of each python block."""
    return [
        (text.count("\n", 0, match.start(1)) + 1, match.group(1)) for match in BLOCK.finditer(text)
    ]


def for_emulator(code: str, emulator: KeystoneEmulator) -> str:
    return (
        code.replace(GUIDE_URL, emulator.url)
        .replace('"username"', repr(emulator.admin_username))
        .replace('"password"', repr(emulator.admin_password))
    )


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
        verbs = ["retrieve", "iter"]
        if resource.allows(Operation.CREATE):
            verbs += ["create", "update", "delete"]
        for verb in verbs:
            assert f"`{verb}_{resource.name}`" in text, f"{verb}_{resource.name}"
        assert f"`{resource.endpoint}`" in text


@pytest.mark.parametrize("paginate", [False, True], ids=["keystone-0.3.26", "paginating"])
def test_every_code_block_runs(paginate: bool) -> None:
    blocks = python_blocks(GUIDE.read_text(encoding="utf-8"))
    namespace: dict[str, object] = {"__name__": "user_guide"}
    with KeystoneEmulator(paginate=paginate) as emulator:
        for line, code in blocks:
            source = "\n" * (line - 1) + for_emulator(code, emulator)
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compile(source, str(GUIDE), "exec"), namespace)
