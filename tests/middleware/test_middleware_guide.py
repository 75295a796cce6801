"""Every ```python block of docs/middleware.md runs, in order, against the emulator.

Only the server address and the credentials are replaced; the rest runs exactly as written.
Blocks are compiled with their line numbers in the guide, so a failure points at the guide.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from keystone.testing import KeystoneEmulator

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "middleware.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)
GUIDE_URL = "http://localhost:8000"


def python_blocks(text: str) -> list[tuple[int, str]]:
    """``(first line number, code)`` of each python block."""
    return [
        (text.count("\n", 0, match.start(1)) + 1, match.group(1)) for match in BLOCK.finditer(text)
    ]


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """The guide configures the ``keystone`` loggers; put them back as they were."""
    names = ["", "keystone", "keystone.http", "keystone.wire", "keystone.backoff"]
    saved = {
        name: (logging.getLogger(name).level, list(logging.getLogger(name).handlers))
        for name in names
    }
    yield
    for name, (level, handlers) in saved.items():
        logger = logging.getLogger(name)
        logger.setLevel(level)
        logger.handlers[:] = handlers


def test_the_guide_covers_the_extension_story() -> None:
    text = GUIDE.read_text(encoding="utf-8")
    for needle in (
        "def timing(request, call_next)",
        "HookMiddleware",
        'request.headers["X-Job-Id"]',
        "class RateLimiter",
        "class CircuitBreaker",
        "per_attempt(",
        "client.middleware",
        '"log", "base_url", "json", "backoff", "auth", "wire_log", "transport"',
        "keystone.http",
        "keystone.wire",
        "redact_fields",
        "X-KEYSTONE-CID",
        "MetricsMiddleware",
        "register_prometheus",
        "OpenTelemetrySink",
    ):
        assert needle in text, needle


def test_every_code_block_runs(
    middleware_server: KeystoneEmulator,
    monkeypatch: pytest.MonkeyPatch,
    restored_logging: None,
) -> None:
    pytest.importorskip("prometheus_client")
    pytest.importorskip("opentelemetry")
    server = middleware_server
    blocks = python_blocks(GUIDE.read_text(encoding="utf-8"))
    assert len(blocks) >= 12
    namespace: dict[str, object] = {"__name__": "middleware_guide"}
    for line, code in blocks:
        code = (
            code.replace(GUIDE_URL, server.url.rstrip("/"))
            .replace('"username"', repr(server.admin_username))
            .replace('"password"', repr(server.admin_password))
        )
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile("\n" * (line - 1) + code, str(GUIDE), "exec"), namespace)
