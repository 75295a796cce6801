"""Authentication: SimpleJWT tokens as Keystone 0.3.26 issued them, and the seeded accounts."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from emulator_api import Client, jwt_claims, jwt_header

from keystone.testing import KeystoneEmulator, UserSpec

ACCESS_LIFETIME = 120
REFRESH_LIFETIME = 3600
STAFF = UserSpec("staffer", "Staffer-pw-123", is_staff=True, first_name="Sta", email="s@x.org")
PLAIN = UserSpec("plain", "Plain-pw-123")


@pytest.fixture(scope="module")
def emulator() -> Iterator[KeystoneEmulator]:
    with KeystoneEmulator(
        api="0.3.26",
        access_token_lifetime=ACCESS_LIFETIME,
        refresh_token_lifetime=REFRESH_LIFETIME,
        users=[STAFF, PLAIN],
        user_throttle=None,
        anon_throttle=None,
    ) as emulator:
        yield emulator


def test_login_issues_hs256_tokens_with_keystones_claims(emulator: KeystoneEmulator) -> None:
    before = int(time.time())
    tokens = Client.admin(emulator).tokens
    assert list(tokens) == ["refresh", "access"]
    for kind, lifetime in (("access", ACCESS_LIFETIME), ("refresh", REFRESH_LIFETIME)):
        assert jwt_header(tokens[kind]) == {"alg": "HS256", "typ": "JWT"}
        claims = jwt_claims(tokens[kind])
        assert list(claims) == ["token_type", "exp", "iat", "jti", "user_id"]
        assert claims["token_type"] == kind
        assert claims["user_id"] == 1  # the admin is the first user, and the id is an integer
        assert claims["exp"] - claims["iat"] == lifetime
        assert before <= claims["iat"] <= time.time()


def test_refresh_returns_only_an_access_token_carrying_the_login_time(
    emulator: KeystoneEmulator,
) -> None:
    client = Client.admin(emulator)
    login_time = jwt_claims(client.tokens["refresh"])["iat"]
    time.sleep(max(0.0, login_time + 1 - time.time()) + 0.1)  # into the next second of iat
    refreshed = client.post("authentication/refresh/", {"refresh": client.tokens["refresh"]})
    assert refreshed.status == 200
    assert list(refreshed.json()) == ["access"]
    claims = jwt_claims(refreshed.json()["access"])
    assert claims["iat"] == login_time
    assert claims["exp"] > login_time + ACCESS_LIFETIME
    client.tokens["access"] = refreshed.json()["access"]
    assert client.get("allocations/clusters/").status == 200


def test_a_blacklisted_refresh_token_is_refused(emulator: KeystoneEmulator) -> None:
    client = Client.admin(emulator)
    refresh = {"refresh": client.tokens["refresh"]}
    blacklisted = client.post("authentication/blacklist/", refresh)
    assert (blacklisted.status, blacklisted.json()) == (200, {})
    for path in ("authentication/refresh/", "authentication/blacklist/"):
        refused = client.post(path, refresh)
        assert refused.status == 401
        assert refused.json() == {"detail": "Token is blacklisted", "code": "token_not_valid"}
        assert refused.headers["WWW-Authenticate"] == 'Bearer realm="api"'


def test_bad_credentials_and_bad_tokens(emulator: KeystoneEmulator) -> None:
    anonymous = Client(emulator.url)
    wrong = anonymous.post("authentication/new/", {"username": "admin", "password": "nope"})
    assert wrong.status == 401
    assert wrong.json() == {"detail": "No active account found with the given credentials"}
    missing = anonymous.post("authentication/new/", {"username": "admin"})
    assert (missing.status, missing.json()) == (400, {"password": ["This field is required."]})
    garbage = anonymous.request(
        "GET", "allocations/clusters/", headers={"Authorization": "Bearer a.b.c"}
    )
    assert garbage.status == 401
    assert garbage.json()["code"] == "token_not_valid"
    assert garbage.json()["messages"][0]["token_class"] == "AccessToken"


def test_an_expired_access_token_is_refused() -> None:
    with KeystoneEmulator(api="0.3.26", access_token_lifetime=1, anon_throttle=None) as emulator:
        client = Client.admin(emulator)
        time.sleep(max(0.0, jwt_claims(client.tokens["access"])["exp"] - time.time() + 0.2))
        expired = client.get("allocations/clusters/")
        assert expired.status == 401
        assert expired.headers["WWW-Authenticate"] == 'Bearer realm="api"'
        assert expired.json()["code"] == "token_not_valid"


def test_configured_users_are_seeded_with_their_flags(emulator: KeystoneEmulator) -> None:
    staff = Client(emulator.url, STAFF.username, STAFF.password)
    users = {u["username"]: u for u in staff.get("users/users/").json()}
    assert users["admin"]["id"] == 1
    assert (users["admin"]["is_staff"], users["admin"]["is_superuser"]) == (True, True)
    assert users["admin"]["first_name"] is None  # unset names are null, as on the real server
    assert (users["staffer"]["is_staff"], users["staffer"]["is_superuser"]) == (True, False)
    assert (users["staffer"]["first_name"], users["staffer"]["email"]) == ("Sta", "s@x.org")
    assert users["plain"]["is_staff"] is False
    assert staff.post("allocations/clusters/", {"name": "by-seeded-staff"}).status == 201


def test_a_restart_keeps_ids_and_resets_configured_passwords(tmp_path: Path) -> None:
    database = str(tmp_path / "keystone.sqlite3")
    first = UserSpec("kept", "First-pw-123")
    with KeystoneEmulator(
        api="0.3.26", database_path=database, users=[first], anon_throttle=None
    ) as emulator:
        admin = Client.admin(emulator)
        created = admin.create("users/users/", {"username": "made", "password": "Made-pw-1234"})
        ids = {u["username"]: u["id"] for u in admin.get("users/users/").json()}
        kept = Client(emulator.url, "kept", "First-pw-123")
        kept.patch(f"users/users/{ids['kept']}/", {"password": "Changed-by-user-1"})
    second = UserSpec("kept", "Second-pw-123")
    with KeystoneEmulator(
        api="0.3.26",
        database_path=database,
        admin_password="New-admin-pw-1",
        users=[second],
        anon_throttle=None,
    ) as emulator:
        admin = Client(emulator.url, "admin", "New-admin-pw-1")
        assert {u["username"]: u["id"] for u in admin.get("users/users/").json()} == ids
        Client(emulator.url, "kept", "Second-pw-123")
        Client(emulator.url, "made", "Made-pw-1234")  # accounts made through the API survive
        refused = Client(emulator.url).post(
            "authentication/new/", {"username": "admin", "password": "admin"}
        )
        assert refused.status == 401
    assert created["id"] == ids["made"]
