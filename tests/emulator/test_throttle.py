"""Throttling with DRF's user and anonymous rate throttles, as configured per emulator."""

from __future__ import annotations

import re

import urllib3
from emulator_api import Client

from keystone.testing import KeystoneEmulator, UserSpec

THROTTLED = re.compile(r"Request was throttled\. Expected available in (\d+) seconds?\.")


def assert_throttled(response: urllib3.BaseHTTPResponse, period: int) -> None:
    """A 429 whose ``Retry-After`` is within the period and repeated in DRF's message."""
    assert response.status == 429
    retry_after = int(response.headers["Retry-After"])
    assert 0 < retry_after <= period
    detail = response.json()["detail"]
    match = THROTTLED.fullmatch(detail)
    assert match is not None, detail
    assert int(match.group(1)) == retry_after


def test_user_throttle_answers_429_with_retry_after() -> None:
    second = UserSpec("second", "Second-user-pw-1")
    with KeystoneEmulator(
        api="0.3.26", user_throttle="3/min", anon_throttle=None, users=[second]
    ) as emulator:
        admin = Client.admin(emulator)  # the login is anonymous: not counted for the user
        for _ in range(3):
            assert admin.get("allocations/clusters/").status == 200
        for _ in range(2):
            assert_throttled(admin.get("allocations/clusters/"), period=60)
        # the budget is per user: another account is not throttled by the admin's requests
        other = Client(emulator.url, second.username, second.password)
        assert other.get("allocations/clusters/").status == 200


def test_anonymous_throttle_counts_unauthenticated_requests() -> None:
    with KeystoneEmulator(api="0.3.26", user_throttle=None, anon_throttle="2/hour") as emulator:
        anonymous = Client(emulator.url)
        assert anonymous.get("health/json/").status == 200
        # refused before throttling (authentication comes first), so not counted
        assert anonymous.get("allocations/clusters/").status == 401
        assert anonymous.get("health/json/").status == 200
        assert_throttled(anonymous.get("health/json/"), period=3600)
        login = anonymous.post("authentication/new/", {"username": "admin", "password": "admin"})
        assert_throttled(login, period=3600)


def test_no_rates_means_no_throttling() -> None:
    with KeystoneEmulator(api="0.3.26", user_throttle=None, anon_throttle=None) as emulator:
        admin = Client.admin(emulator)
        statuses = {admin.get("allocations/clusters/").status for _ in range(40)}
        statuses |= {Client(emulator.url).get("health/json/").status for _ in range(40)}
        assert statuses == {200}
