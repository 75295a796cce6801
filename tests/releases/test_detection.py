"""How the client finds out which release it talks to, when the server does not simply say.

A server installed from a source checkout reports ``0.0.0``; the client then places it by its
whoami answer and by which endpoints it has (``HEAD`` requests), and follows the oldest
release those allow. A release the client does not know follows the nearest one it knows. In
both cases ``client.server.note`` and an INFO record of ``keystone.server`` say so.
"""

from __future__ import annotations

import logging

import pytest
from local_server import Canned, LocalServer

from keystone import Generation, KeystoneClient, UnexpectedResponseError
from keystone._servers import Paging
from keystone.testing import KeystoneEmulator
from keystone.testing.config import KNOWN_APIS


@pytest.mark.parametrize("api", KNOWN_APIS)
def test_a_server_that_reports_0_0_0_is_placed_by_its_endpoints(
    api: str, caplog: pytest.LogCaptureFixture
) -> None:
    with KeystoneEmulator(api=api, reported_version="0.0.0") as emulator:
        client = KeystoneClient(emulator.url)
        with caplog.at_level(logging.INFO, logger="keystone.server"):
            server = client.server
        probes = [e for e in emulator.stats.entries() if e.method == "HEAD"]
        client.login(emulator.admin_username, emulator.admin_password)
        assert client.whoami()["username"] == emulator.admin_username
    assert server.release is None
    assert server.generation is Generation.of("0.3" if api == "0.3.26" else "0.4+")
    assert server.note is not None and "0.0.0" in server.note
    assert server.note in caplog.text
    assert len(probes) <= 6  # a few HEAD requests, each halving what it may be
    # The release followed has the same endpoints as the server, and is the oldest such.
    line, followed = (tuple(int(p) for p in v.split(".")) for v in (api, server.follows))
    assert followed[:2] == line[:2] or api == "0.3.26"
    assert followed <= line


def test_a_release_newer_than_the_client_follows_the_newest_it_knows(
    local_server: LocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    local_server.route("GET", "/version/", Canned(200, "0.11.2", {"Content-Type": "text/plain"}))
    local_server.route("GET", "/authentication/whoami/", Canned(401, {"detail": "no"}))
    with caplog.at_level(logging.INFO, logger="keystone.server"):
        server = KeystoneClient(local_server.url).server
    assert (server.release, server.follows) == ("0.11.2", "0.10.9")
    assert server.paging is Paging.ENVELOPE and "atomic_jobs" in server.capabilities
    assert "0.11.2, a release this client does not know" in caplog.text


def test_a_release_between_known_ones_follows_the_one_before(local_server: LocalServer) -> None:
    local_server.route("GET", "/version/", Canned(200, "0.6.99"))
    local_server.route("GET", "/authentication/whoami/", Canned(401, {"detail": "no"}))
    server = KeystoneClient(local_server.url).server
    assert (server.release, server.follows) == ("0.6.99", "0.6.21")
    assert str(server) == "Keystone 0.6.99 (the client follows 0.6.21)"


def test_a_url_that_is_not_an_api_root_is_said_to_be_one(local_server: LocalServer) -> None:
    local_server.route("GET", "/version/", Canned(404, "<html>Not Found</html>"))
    client = KeystoneClient(local_server.url)
    with pytest.raises(UnexpectedResponseError, match="does not look like a Keystone API root"):
        _ = client.server


@pytest.mark.parametrize(
    ("given", "follows", "release"),
    [
        ("0.7.5", "0.7.5", "0.7.5"),
        ("0.6.3.1", "0.6.3.1", "0.6.3.1"),
        ("v0.5.4.post1", "0.5.4.post1", "0.5.4.post1"),
        ("0.3", "0.3.26", None),
        ("0.4+", "0.10.9", None),
        (Generation.V0_3, "0.3.26", None),
        ("0.6.99", "0.6.21", "0.6.99"),
    ],
)
def test_server_names_a_release_or_a_generation(
    given: object, follows: str, release: str | None
) -> None:
    server = KeystoneClient("http://keystone.test", server=given).server  # type: ignore[arg-type]
    assert (server.follows, server.release) == (follows, release)


@pytest.mark.parametrize("given", ["0.0.0", "latest", "", 7])
def test_server_refuses_what_names_no_release(given: object) -> None:
    with pytest.raises(ValueError, match="not a Keystone release or generation"):
        KeystoneClient("http://keystone.test", server=given)  # type: ignore[arg-type]
