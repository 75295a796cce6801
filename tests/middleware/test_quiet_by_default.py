"""A library prints nothing until the application configures logging.

Run in a fresh interpreter (the test runner configures logging of its own): a session with
planned renewals, a renewal forced by a 401, retries and a refused refresh writes nothing to
stderr, and the same session with ``logging.basicConfig()`` does show the warnings.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator

import pytest

from keystone.testing import KeystoneEmulator

SCRIPT = textwrap.dedent(
    """
    import logging, sys
    from keystone import KeystoneClient, RetryPolicy, SessionExpiredError
    from keystone.testing import EmulatorControl, FakeClock

    if sys.argv[2] == "configured":
        logging.basicConfig()
    url = sys.argv[1]
    control = EmulatorControl(url)
    clock = FakeClock()
    client = KeystoneClient(url, clock=clock, retry=RetryPolicy(backoff_base=0.01))
    client.login("admin", "admin")
    clock.advance(290)
    client.http_get("allocations/clusters")            # a planned renewal
    control.faults.status(503, path="/allocations/clusters/", times=2)
    client.http_get("allocations/clusters")            # two retries
    control.faults.status(
        401, path="/allocations/clusters/",
        body={"detail": "Given token not valid for any token type", "code": "token_not_valid"},
    )
    client.http_get("allocations/clusters")            # a renewal forced by a 401
    control.faults.status(401, path="/authentication/refresh/", times=1,
                          body={"detail": "Token is blacklisted", "code": "token_not_valid"})
    clock.advance(290)
    try:
        client.http_get("allocations/clusters")        # a refused refresh
    except SessionExpiredError:
        pass
    print("done")
    """
)


@pytest.fixture(scope="module")
def emulator() -> Iterator[KeystoneEmulator]:
    with KeystoneEmulator(api="0.3.26", user_throttle=None) as server:
        yield server


def _run(emulator: KeystoneEmulator, mode: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, emulator.url, mode],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


def test_nothing_reaches_stderr_unless_logging_is_configured(emulator: KeystoneEmulator) -> None:
    quiet = _run(emulator, "unconfigured")
    assert quiet.stdout == "done\n" and quiet.stderr == ""
    loud = _run(emulator, "configured")
    assert "attempt 1 of 4 failed" in loud.stderr
    assert "access token renewed: the server refused it (401)" in loud.stderr
    assert "the session ended" in loud.stderr
    assert "about to expire" not in loud.stderr  # INFO: below basicConfig's WARNING
