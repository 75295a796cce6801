"""An API token (``StaticTokenAuth``) goes with every request to the client's own origin.

Keystone 0.4 and later accept ``Authorization: Token <key>`` on every endpoint, the
``authentication/*`` ones included (``whoami``, ``logout``); the token is sent to all of them,
on either generation, and never to another origin.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from local_server import Canned, LocalServer

from keystone import Generation, KeystoneClient, StaticTokenAuth, UnsupportedError
from keystone.resources._endpoints import declarations
from keystone.resources.catalog import RESOURCES
from keystone.testing import KeystoneEmulator


@pytest.fixture(scope="module")
def emulator() -> Iterator[KeystoneEmulator]:
    with KeystoneEmulator(api="0.10.9", user_throttle=None) as running:
        yield running


def test_a_token_reads_every_collection_and_endpoint_of_v0_10_9(emulator: KeystoneEmulator) -> None:
    client = KeystoneClient(emulator.url, auth=StaticTokenAuth(emulator.create_token("admin")))
    assert client.server.release == "0.10.9"  # found out with the token on the request
    assert client.whoami()["username"] == "admin"
    declared = declarations("0.10.9")
    for resource in RESOURCES:
        path = resource.path_in(declared)
        if path is not None:
            assert isinstance(getattr(client, f"retrieve_{resource.name}")(), list), path
    for path in ("config", "stats/requests", "allocations/request-choices/status"):
        assert path in declared
        assert client.http_get(path).status_code == 200, path
    assert client.http_post("authentication/logout/").status_code == 200
    assert client.whoami()["username"] == "admin"  # a token is not a session: still valid


@pytest.mark.parametrize(("server", "scheme"), [("0.3", "Bearer"), ("0.4+", "Token")])
def test_the_token_goes_to_the_authentication_endpoints_too(
    local_server: LocalServer, server: str, scheme: str
) -> None:
    local_server.route("*", "/authentication/whoami/", Canned(200, {"id": 1}))
    local_server.route("*", "/authentication/logout/", Canned(200, {}))
    local_server.route("*", "/authentication/new/", Canned(200, {}))
    token = StaticTokenAuth("k3y", scheme=scheme)
    client = KeystoneClient(local_server.url, auth=token, server=server)
    client.http_get("authentication/whoami/")
    client.http_post("authentication/logout/")
    client.http_post("authentication/new/", {"username": "a"})
    sent = [r.headers.get("Authorization") for r in local_server.received]
    assert sent == [f"{scheme} k3y"] * 3


@pytest.mark.parametrize(
    ("server", "scheme", "why"),
    [
        ("0.3", "Token", "does not take API tokens"),
        ("0.5.17", "Token", "from 0.6.4 on"),
        ("0.6.3", "Token", "from 0.6.4 on"),
        ("0.10.9", "Bearer", "ignores 'Authorization: Bearer'"),
    ],
)
def test_a_token_the_release_would_ignore_is_refused_before_sending(
    local_server: LocalServer, server: str, scheme: str, why: str
) -> None:
    with pytest.raises(UnsupportedError, match=why) as refused:
        KeystoneClient(local_server.url, auth=StaticTokenAuth("k3y", scheme=scheme), server=server)
    assert refused.value.server.generation is Generation.of("0.3" if server == "0.3" else "0.4+")
    assert local_server.received == []


def test_a_token_is_taken_from_0_6_4_on(local_server: LocalServer) -> None:
    client = KeystoneClient(local_server.url, auth=StaticTokenAuth("k3y"), server="0.6.4")
    assert client.server.tokens and "tokens" in client.server.capabilities
