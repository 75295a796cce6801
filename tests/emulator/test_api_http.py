"""HTTP-level behaviour the real server shows: slash redirects, HTML 404s, version, health, logs."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from emulator_api import Client

from keystone.testing import KeystoneEmulator


@pytest.fixture(scope="module")
def emulator() -> Iterator[KeystoneEmulator]:
    options = {"admin_password": "Http-admin-pw-1", "user_throttle": None, "anon_throttle": None}
    with KeystoneEmulator(api="0.3.26", **options) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def admin(emulator: KeystoneEmulator) -> Client:
    return Client.admin(emulator)


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
def test_a_path_without_its_slash_answers_301_for_every_method(admin: Client, method: str) -> None:
    before = len(admin.get("allocations/clusters/").json())
    response = admin.request(method, "allocations/clusters", {"name": "slashless"})
    assert response.status == 301
    assert response.headers["Location"] == "/allocations/clusters/"
    assert response.data == b""
    assert len(admin.get("allocations/clusters/").json()) == before  # nothing was created


def test_the_redirect_keeps_the_query_and_the_detail_id(admin: Client) -> None:
    response = admin.request("GET", "allocations/clusters?name=x&id__in=1,2")
    assert (response.status, response.headers["Location"]) == (
        301,
        "/allocations/clusters/?name=x&id__in=1,2",
    )
    detail = admin.request("GET", "allocations/clusters/7")
    assert detail.headers["Location"] == "/allocations/clusters/7/"


@pytest.mark.parametrize("path", ["no/such/endpoint/", "allocations/nothing/", "no-slash-here"])
def test_an_unknown_url_answers_an_html_404(admin: Client, path: str) -> None:
    response = admin.get(path)
    assert response.status == 404
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert b"<h1>Not Found</h1>" in response.data


def test_version_is_text_html(emulator: KeystoneEmulator) -> None:
    response = Client(emulator.url).get("version/")
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert response.data.decode().count(".") == 2  # a bare version string, not JSON


def test_health_endpoints(emulator: KeystoneEmulator) -> None:
    anonymous = Client(emulator.url)
    checks = anonymous.get("health/json/").json()
    assert checks["DatabaseBackend"] == {
        "status": 200,
        "message": "working",
        "critical_service": True,
    }
    assert all(set(c) == {"status", "message", "critical_service"} for c in checks.values())
    plain = anonymous.get("health/")
    assert (plain.status, plain.data) == (200, b"")
    prom = anonymous.get("health/prom/")
    assert prom.headers["Content-Type"].startswith("text/plain")
    assert prom.data.decode().count("health_check_status{") == len(checks)


def test_405_lists_the_allowed_methods(admin: Client) -> None:
    response = admin.request("PATCH", "allocations/clusters/", {"x": 1})
    assert response.status == 405
    assert response.json() == {"detail": 'Method "PATCH" not allowed.'}
    assert response.headers["Allow"] == "GET, POST, HEAD, OPTIONS"


def test_the_request_log_records_the_emulators_own_traffic(
    emulator: KeystoneEmulator, admin: Client
) -> None:
    marker = "request-log-marker"
    admin.get("allocations/clusters/", name=marker)
    entries = admin.get("logs/requests/", endpoint__contains=marker).json()
    assert len(entries) == 1
    entry = entries[0]
    assert entry["method"] == "GET"
    assert entry["endpoint"] == f"/allocations/clusters/?name={marker}"
    assert (entry["response_code"], entry["body_response"]) == (200, "[]")
    assert entry["user"] == 1
    assert entry["remote_address"] == "127.0.0.1"


def test_the_request_log_masks_credentials(emulator: KeystoneEmulator, admin: Client) -> None:
    Client(emulator.url).post(
        "authentication/new/", {"username": "admin", "password": "wrong-password"}
    )
    logins = admin.get("logs/requests/", endpoint="/authentication/new/").json()
    assert logins, "logins are logged"
    for entry in logins:
        assert emulator.admin_password not in entry["body_request"]
        assert "wrong-password" not in entry["body_request"]
        body = json.loads(entry["body_request"])
        assert body["username"] == "admin" and body["password"] == "********"
        assert admin.tokens["refresh"] not in entry["body_response"]


def test_the_app_log_records_client_errors(admin: Client) -> None:
    assert admin.get("allocations/clusters/999999/").status == 404
    records = admin.get("logs/apps/", message="Not Found: /allocations/clusters/999999/").json()
    assert len(records) == 1
    assert (records[0]["name"], records[0]["level"]) == ("django.request", "WARNING")
