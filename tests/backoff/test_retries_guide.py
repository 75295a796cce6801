"""Every ```python block of docs/retries.md runs, in order, exactly as written.

The guide starts its own emulator and drives its faults, so nothing is substituted.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import re
from pathlib import Path
from typing import Any

import pytest

from keystone import KeystoneClient

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "retries.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def python_blocks(text: str) -> list[tuple[int, str]]:
    """``(first line number, code)`` of each python block."""
    return [
        (text.count("\n", 0, match.start(1)) + 1, match.group(1)) for match in BLOCK.finditer(text)
    ]


@pytest.mark.skipif(
    "retry" not in inspect.signature(KeystoneClient).parameters,
    reason="KeystoneClient does not take retry= yet",
)
def test_every_example_of_the_retries_guide_runs() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    blocks = python_blocks(text)
    assert len(blocks) >= 10
    namespace: dict[str, Any] = {"__name__": "retries_guide"}
    try:
        for line, code in blocks:
            compiled = compile("\n" * (line - 1) + code, str(GUIDE), "exec")
            with contextlib.redirect_stdout(io.StringIO()):
                exec(compiled, namespace)
    finally:
        emulator = namespace.get("emulator")
        if emulator is not None:
            emulator.stop()
