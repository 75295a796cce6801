"""The first call of a client finds out which Keystone it talks to: within that call's limits,
saying whose call it was when it fails, and telling a wrong URL from a Keystone."""

from __future__ import annotations

import pytest
from local_server import Canned, LocalServer

from keystone import (
    ConnectError,
    KeystoneClient,
    MetricsMiddleware,
    ReadTimeout,
    RetryPolicy,
    ServerError,
    StaticTokenAuth,
    TransportError,
    UnexpectedResponseError,
)

VERSION = "/version/"
WHOAMI = "/authentication/whoami/"
JSON_401 = Canned(401, {"detail": "Authentication credentials were not provided."})


def test_a_calls_timeout_bounds_the_request_that_finds_out_the_server(
    local_server: LocalServer,
) -> None:
    # Answered after 1 s: with the call's 0.3 s timeout the call fails; without it (the default
    # read timeout is longer), it would pass.
    local_server.route("GET", VERSION, Canned(200, "0.10.9", delay=1.0))
    local_server.route("POST", "/allocations/clusters/", Canned(201, {"id": 1}))
    client = KeystoneClient(local_server.url, retry=RetryPolicy.disabled())
    with pytest.raises(ReadTimeout, match="create_cluster: the client could not find out"):
        client.create_cluster(name="x", timeout=0.3)
    with pytest.raises(ReadTimeout, match="login: the client could not find out"):
        client.login("admin", "pw", timeout=0.3)
    assert [r.path for r in local_server.received] == [VERSION, VERSION]


def test_a_calls_deadline_covers_finding_out_the_server_and_the_call(
    local_server: LocalServer,
) -> None:
    # Each answer takes 0.6 s; the call may take 1 s in all: the POST cannot be answered in time.
    local_server.route("GET", VERSION, Canned(200, "0.10.9", delay=0.6))
    local_server.route("POST", "/allocations/clusters/", Canned(201, {"id": 1}, delay=0.6))
    client = KeystoneClient(
        local_server.url, auth=StaticTokenAuth("k3y"), retry=RetryPolicy(deadline=1.0)
    )
    with pytest.raises(TransportError) as stopped:
        client.create_cluster(name="x")
    assert "1 s deadline" in str(stopped.value)
    assert client.server.release == "0.10.9"  # found out: the next call starts afresh


def test_the_retry_waits_keep_to_the_deadline_the_first_call_started(
    local_server: LocalServer,
) -> None:
    # Finding out takes 0.6 s of the call's 1 s; the server then asks to come back in 1 s.
    local_server.route("GET", VERSION, Canned(200, "0.10.9", delay=0.6))
    busy = Canned(503, {"detail": "busy"}, headers={"Retry-After": "1"})
    local_server.route("POST", "/allocations/clusters/", busy)
    client = KeystoneClient(
        local_server.url, auth=StaticTokenAuth("k3y"), retry=RetryPolicy(deadline=1.0)
    )
    with pytest.raises(ServerError) as stopped:
        client.create_cluster(name="x")
    message = str(stopped.value)
    assert "Not sent again after 1 attempt" in message and "the call's 1 s deadline" in message
    assert stopped.value.attempts == 1
    assert [r.method for r in local_server.received].count("POST") == 1


def test_when_finding_out_fails_the_error_names_the_call_and_the_way_out(
    local_server: LocalServer,
) -> None:
    local_server.route("GET", VERSION, Canned(500, "<html>oops</html>"))
    local_server.route("GET", WHOAMI, Canned(500, "<html>oops</html>"))
    with pytest.raises(UnexpectedResponseError) as failed:
        KeystoneClient(local_server.url).retrieve_cluster(pk=1)
    message = str(failed.value)
    assert message.startswith("retrieve_cluster: the client could not find out which Keystone")
    assert "answered 500" in message and "server='0.10.9'" in message
    down = KeystoneClient("http://127.0.0.1:9/", retry=RetryPolicy.disabled())
    with pytest.raises(ConnectError, match=r"^whoami: the client could not find out"):
        down.whoami()


@pytest.mark.parametrize(
    ("version", "whoami"),
    [
        (Canned(200, "<html>Welcome!</html>"), Canned(404, "<html>Not found</html>")),
        (Canned(404, "<html>Not found</html>"), Canned(404, "<html>Not found</html>")),
        (Canned(200, "<html>Welcome!</html>"), Canned(200, "<html>Welcome!</html>")),
    ],
    ids=["a-site-with-a-version-page", "nothing-there", "a-page-for-every-path"],
)
def test_a_url_that_is_not_an_api_root_is_not_taken_for_a_keystone(
    local_server: LocalServer, version: Canned, whoami: Canned
) -> None:
    local_server.route("GET", VERSION, version)
    local_server.route("GET", WHOAMI, whoami)
    with pytest.raises(UnexpectedResponseError, match=r"(not look like a Keystone API root|URL)"):
        KeystoneClient(local_server.url).login("admin", "pw")
    assert all(r.method == "GET" for r in local_server.received)  # no login was tried


def test_a_gateway_answering_401_to_every_path_is_said_to_be_one(
    local_server: LocalServer,
) -> None:
    every = ("/version/", WHOAMI, "/keystone-client/no-such-endpoint/", "/users/teams/")
    for path in every:
        for method in ("GET", "HEAD"):
            local_server.route(method, path, Canned(401, b""))
    with pytest.raises(UnexpectedResponseError, match="answers every path so"):
        KeystoneClient(local_server.url).login("admin", "pw")
    assert [r.method for r in local_server.received] == ["GET", "GET", "HEAD"]


def test_a_login_that_is_not_there_says_the_url_or_the_release_is_wrong(
    local_server: LocalServer,
) -> None:
    local_server.route("POST", "/authentication/new/", Canned(404, "<html>Not Found</html>"))
    client = KeystoneClient(local_server.url)  # the fixture's server says it is 0.3.26
    with pytest.raises(UnexpectedResponseError) as failed:
        client.login("admin", "pw")
    message = str(failed.value)
    assert "answered 404 with a web page: there is no login there" in message
    assert "probably not the API root" in message and "server='<release>'" in message


def test_a_redirect_met_on_the_first_call_or_at_login_says_where_it_points(
    local_server: LocalServer,
) -> None:
    moved = {"Location": "https://keystone.example.org/api/version/"}
    local_server.route("GET", VERSION, Canned(301, b"", moved))
    local_server.route("GET", WHOAMI, Canned(301, b"", moved))
    with pytest.raises(UnexpectedResponseError, match=r"a redirect to 'https://keystone\.example"):
        KeystoneClient(local_server.url).retrieve_cluster()
    login = {"Location": "https://keystone.example.org/api/authentication/login/"}
    local_server.route("POST", "/authentication/login/", Canned(302, b"", login))
    told = KeystoneClient(local_server.url, server="0.10.9")
    with pytest.raises(UnexpectedResponseError, match=r"302, a redirect to 'https://keystone\.exa"):
        told.login("admin", "pw")


def test_login_with_an_api_token_is_refused_before_anything_is_sent(
    local_server: LocalServer,
) -> None:
    client = KeystoneClient(local_server.url, auth=StaticTokenAuth("k3y"))
    with pytest.raises(TypeError, match="StaticTokenAuth has no login"):
        client.login("admin", "pw")
    assert local_server.received == []


def test_finding_out_the_server_counts_as_a_probe_not_a_failed_call(
    local_server: LocalServer,
) -> None:
    local_server.route("GET", VERSION, Canned(200, "0.0.0"))
    local_server.route("GET", WHOAMI, Canned(404, "<html>Not Found</html>"))
    local_server.route("GET", "/allocations/clusters/", Canned(200, []))
    metrics = MetricsMiddleware()
    client = KeystoneClient(local_server.url, middleware=[metrics])
    assert client.retrieve_cluster() == []
    assert metrics.count(status_class="probe") == 2
    assert metrics.count(status_class="4xx") == 0 and metrics.count(status_class="2xx") == 1


def test_a_server_error_while_finding_out_is_still_a_server_error(
    local_server: LocalServer,
) -> None:
    local_server.route("GET", VERSION, Canned(200, "0.0.0"))
    local_server.route("GET", WHOAMI, Canned(503, {"detail": "down"}, {"Retry-After": "0"}))
    client = KeystoneClient(local_server.url, retry=RetryPolicy.disabled())
    with pytest.raises((ServerError, UnexpectedResponseError), match=r"^retrieve_team: the client"):
        client.retrieve_team()
