"""Running the ```python blocks of a markdown guide, in order, as the reader would.

Blocks run in one namespace, compiled with their line numbers in the guide so a failure points
at the guide itself; their printed output is swallowed. Guides written for a server at
``http://localhost:8000`` with the credentials ``"username"``/``"password"`` can be pointed at
an emulator: only those three strings are replaced.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path
from typing import Any

from keystone.testing import KeystoneEmulator

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
GUIDE_URL = "http://localhost:8000"
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def python_blocks(text: str) -> list[tuple[int, str]]:
    """``(first line number, code)`` of each python block."""
    return [
        (text.count("\n", 0, match.start(1)) + 1, match.group(1)) for match in _BLOCK.finditer(text)
    ]


def for_emulator(code: str, emulator: KeystoneEmulator) -> str:
    """``code`` with the guide's server address and credentials replaced by the emulator's."""
    return (
        code.replace(GUIDE_URL + "/", emulator.url)
        .replace(GUIDE_URL, emulator.url.rstrip("/"))
        .replace('"username"', repr(emulator.admin_username))
        .replace('"password"', repr(emulator.admin_password))
    )


def run_guide(
    path: Path,
    *,
    emulator: KeystoneEmulator | None = None,
    skip: tuple[int, ...] = (),
    namespace: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Run every python block of ``path`` (except those starting on a line in ``skip``).

    With ``emulator``, blocks are rewritten by :func:`for_emulator`. Returns the namespace.
    """
    scope: dict[str, Any] = namespace if namespace is not None else {"__name__": path.stem}
    for line, code in python_blocks(path.read_text(encoding="utf-8")):
        if line in skip:
            continue
        source = for_emulator(code, emulator) if emulator is not None else code
        compiled = compile("\n" * (line - 1) + source, str(path), "exec")
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compiled, scope)
    return scope
