"""SessionAuth over HTTPS, where Django's CSRF check also wants a same-origin Referer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import urllib3
from wire_recorder import RecordingTransport

import keystone
from keystone import KeystoneClient
from keystone.auth import SessionAuth
from keystone.testing import KeystoneEmulator

NO_REFERER = {"detail": "CSRF Failed: Referer checking failed - no Referer."}


@pytest.fixture(scope="module")
def emulator() -> Iterator[KeystoneEmulator]:
    with KeystoneEmulator(api="0.10.9", tls=True, user_throttle=None, anon_throttle=None) as server:
        yield server


def test_unsafe_requests_over_https_carry_the_api_root_as_referer(
    emulator: KeystoneEmulator,
) -> None:
    assert emulator.url.startswith("https://") and emulator.ca_path
    client = KeystoneClient(
        emulator.url, auth=SessionAuth(), server="0.4+", verify=emulator.ca_path
    )
    client.login(emulator.admin_username, emulator.admin_password)
    client.login(emulator.admin_username, emulator.admin_password)  # with a session: CSRF checked
    created = client.http_post("allocations/clusters", {"name": "over-https"})
    assert created.status_code == 201
    pk = created.json()["id"]
    assert client.http_patch(f"allocations/clusters/{pk}", {"description": "d"}).ok
    assert client.http_delete(f"allocations/clusters/{pk}").status_code == 204
    assert client.http_get("authentication/whoami").ok
    client.logout()
    assert not client.is_authenticated


def test_what_goes_on_the_wire_and_what_the_server_does_without_a_referer(
    emulator: KeystoneEmulator,
) -> None:
    transport = RecordingTransport(emulator.url, verify=emulator.ca_path)
    client = KeystoneClient(emulator.url, auth=SessionAuth(), server="0.4+", transport=transport)
    client.login(emulator.admin_username, emulator.admin_password)
    client.http_get("allocations/clusters")
    assert client.http_post("allocations/clusters", {"name": "seen-on-the-wire"}).ok
    get, post = (request for request, _, _ in transport.exchanges[1:])
    assert "Referer" not in get.headers  # safe methods need none
    assert post.headers["Referer"] == client.url
    cookies = post.headers["Cookie"]
    csrf = post.headers["X-CSRFToken"]
    assert f"csrftoken={csrf}" in cookies

    https = urllib3.PoolManager(retries=False, ca_certs=emulator.ca_path)
    headers = {"Cookie": cookies, "X-CSRFToken": csrf}
    url = emulator.url + "allocations/clusters/"
    refused = https.request("POST", url, json={"name": "no-referer"}, headers=headers)
    assert refused.status == 403 and refused.json() == NO_REFERER
    passed = https.request(
        "POST", url, json={"name": "referer"}, headers={**headers, "Referer": client.url}
    )
    assert passed.status == 201  # the Referer is all the difference


def test_a_referer_of_the_callers_is_kept_and_a_foreign_one_refused(
    emulator: KeystoneEmulator,
) -> None:
    client = KeystoneClient(
        emulator.url, auth=SessionAuth(), server="0.4+", verify=emulator.ca_path
    )
    client.login(emulator.admin_username, emulator.admin_password)
    foreign = {"Referer": "https://evil.example/"}
    with pytest.raises(keystone.PermissionDeniedError, match="Referer checking failed"):
        client.http_post("allocations/clusters", {"name": "foreign"}, headers=foreign)
    assert client.is_authenticated  # a CSRF refusal is not the end of the session
