"""Every ```python block of docs/middleware.md runs, in order, against the emulator.

Only the server address and the credentials are replaced; the rest runs exactly as written.
Blocks are compiled with their line numbers in the guide, so a failure points at the guide.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from guide_runner import DOCS, python_blocks, run_guide

from keystone.testing import KeystoneEmulator

GUIDE = DOCS / "middleware.md"


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
        '"log", "base_url", "json", "backoff", "auth", "throttle", "wire_log", "transport"',
        "keystone.http",
        "keystone.wire",
        "redact_fields",
        "X-KEYSTONE-CID",
        "MetricsMiddleware",
        "register_prometheus",
        "OpenTelemetrySink",
    ):
        assert needle in text, needle


def test_every_code_block_runs(middleware_server: KeystoneEmulator, restored_logging: None) -> None:
    pytest.importorskip("prometheus_client")
    pytest.importorskip("opentelemetry")
    assert len(python_blocks(GUIDE.read_text(encoding="utf-8"))) >= 12
    run_guide(GUIDE, emulator=middleware_server)
