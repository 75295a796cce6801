"""Accounts and unique names shared by the resource tests (imported by their conftest)."""

from __future__ import annotations

import itertools

from keystone.testing import UserSpec

MEMBER = UserSpec("member", "Member-pw-123", first_name="Mem", last_name="Ber")
PASSWORD = "Sup3r-secret-pw"

_serial = itertools.count(1)


def unique(prefix: str) -> str:
    """A name no other test in the run uses."""
    return f"{prefix}-{next(_serial)}"
