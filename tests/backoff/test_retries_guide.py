"""Every ```python block of docs/retries.md runs, in order, exactly as written.

The guide starts its own emulator and drives its faults, so nothing is substituted.
"""

from __future__ import annotations

import logging
from typing import Any

from guide_runner import DOCS, python_blocks, run_guide

GUIDE = DOCS / "retries.md"


def test_every_example_of_the_retries_guide_runs() -> None:
    assert len(python_blocks(GUIDE.read_text(encoding="utf-8"))) >= 10
    namespace: dict[str, Any] = {"__name__": "retries_guide"}
    level = logging.getLogger("keystone.backoff").level
    try:
        run_guide(GUIDE, namespace=namespace)
    finally:
        logging.getLogger("keystone.backoff").setLevel(level)
        emulator = namespace.get("emulator")
        if emulator is not None:
            emulator.stop()
