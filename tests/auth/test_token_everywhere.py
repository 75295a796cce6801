"""An API token (``StaticTokenAuth``) goes with every request to the client's own origin.

Keystone 0.4 and later accept ``Authorization: Token <key>`` on every endpoint, the
``authentication/*`` ones included (``whoami``, ``logout``); the token is sent to all of them,
on either generation, and never to another origin.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from local_server import Canned, LocalServer

from keystone import Generation, KeystoneClient, StaticTokenAuth
from keystone._resources.catalog import RESOURCES
from keystone._resources.endpoints import declared
from keystone.testing import KeystoneEmulator


@pytest.fixture(scope="module")
def emulator() -> Iterator[KeystoneEmulator]:
    with KeystoneEmulator(api="0.10.9", user_throttle=None) as running:
        yield running


def test_a_token_reads_every_collection_and_endpoint_of_v0_10_9(emulator: KeystoneEmulator) -> None:
    client = KeystoneClient(emulator.url, auth=StaticTokenAuth(emulator.create_token("admin")))
    assert client.server is Generation.V0_4  # found out with the token on the request
    assert client.whoami()["username"] == "admin"
    for resource in RESOURCES:
        path = resource.paths.get(Generation.V0_4)
        if path is not None:
            assert isinstance(getattr(client, f"retrieve_{resource.name}")(), list), path
    for path in ("config", "stats/requests", "allocations/request-choices/status"):
        assert declared(Generation.V0_4, path)
        assert client.http_get(path).status_code == 200, path
    assert client.http_post("authentication/logout/").status_code == 200
    assert client.whoami()["username"] == "admin"  # a token is not a session: still valid


@pytest.mark.parametrize("server", ["0.3", "0.4+"])
def test_the_token_goes_to_the_authentication_endpoints_too(
    local_server: LocalServer, server: str
) -> None:
    local_server.route("*", "/authentication/whoami/", Canned(200, {"id": 1}))
    local_server.route("*", "/authentication/logout/", Canned(200, {}))
    local_server.route("*", "/authentication/new/", Canned(200, {}))
    client = KeystoneClient(local_server.url, auth=StaticTokenAuth("k3y"), server=server)
    client.http_get("authentication/whoami/")
    client.http_post("authentication/logout/")
    client.http_post("authentication/new/", {"username": "a"})
    assert [r.headers.get("Authorization") for r in local_server.received] == ["Token k3y"] * 3
