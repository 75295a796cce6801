"""The public names are exactly the documented ones (docs/api.md); every other module is private."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

import keystone
import keystone_client

API_PAGE = Path(__file__).resolve().parents[2] / "docs" / "api.md"
PUBLIC_MODULES = {
    "keystone",
    "keystone.auth",
    "keystone.middleware",
    "keystone.middleware.logging",  # the old path of the call log, kept for old imports
    "keystone.middleware.metrics_otel",
    "keystone.middleware.metrics_prometheus",
    "keystone.resources",
    "keystone.resources.catalog",
    "keystone.resources.declared",
    "keystone.resources.spec",
    "keystone.testing",
}


def documented() -> dict[str, set[str]]:
    """The names in each namespace's table of docs/api.md."""
    names: dict[str, set[str]] = {}
    section = None
    for line in API_PAGE.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"## `([\w.]+)`", line)
        if heading:
            section = heading.group(1)
            names[section] = set()
        row = re.match(r"\| `(\w+)` \|", line)
        if row and section is not None:
            names[section].add(row.group(1))
    return names


@pytest.mark.parametrize(
    "module", ["keystone", "keystone.auth", "keystone.middleware", "keystone.resources"]
)
def test_each_namespace_exports_exactly_the_documented_names(module: str) -> None:
    exported = set(importlib.import_module(module).__all__)
    section = "keystone_client" if module == "keystone" else module
    page = next(names for key, names in documented().items() if key.startswith(section))
    assert exported == page


def test_the_testing_namespace_exports_exactly_the_documented_names() -> None:
    import keystone.testing

    assert set(keystone.testing.__all__) == documented()["keystone.testing"]
    for name in keystone.testing.__all__:
        assert getattr(keystone.testing, name) is not None  # each one really imports


def test_keystone_client_is_the_same_api() -> None:
    assert keystone_client.__all__ == keystone.__all__
    for name in keystone.__all__:
        assert getattr(keystone_client, name) is getattr(keystone, name)


def test_every_other_module_is_visibly_private() -> None:
    root = Path(keystone.__file__).resolve().parent
    found = []
    for path in sorted(root.rglob("*.py")):
        parts = ("keystone", *path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        name = ".".join(parts)
        if name.startswith("keystone.testing."):
            continue  # the emulator's own parts: keystone.testing's __all__ is its API
        if name not in PUBLIC_MODULES and not any(p.startswith("_") for p in parts):
            found.append(name)
    assert found == [], f"public-looking modules that are not documented: {found}"


def test_the_old_names_still_import() -> None:
    from keystone import TimeoutError as OldTimeoutError
    from keystone.middleware.logging import LoggingMiddleware

    assert OldTimeoutError is keystone.TransportTimeout
    assert LoggingMiddleware.name == "log"
    assert "TimeoutError" not in keystone.__all__  # `import *` no longer shadows the builtin
