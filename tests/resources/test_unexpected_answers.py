"""A resource method meeting an answer that is not the API's says so, with one error type.

``UnexpectedResponseError`` is what a user catches for "the server answered something that is
not the Keystone API": an HTML page with a 200, a redirect, a body of the wrong shape.
"""

from __future__ import annotations

import pytest
from local_server import Canned, LocalServer

import keystone
from keystone import KeystoneClient, UnexpectedResponseError

CLUSTERS = "/allocations/clusters/"


def test_a_login_page_with_200_is_an_unexpected_response(local_server: LocalServer) -> None:
    local_server.route("GET", CLUSTERS, Canned(200, "<html><form>Sign in</form></html>"))
    client = KeystoneClient(local_server.url)
    with pytest.raises(UnexpectedResponseError) as info:
        client.retrieve_cluster()
    message = str(info.value)
    assert "text/html" in message and "Sign in" in message and "API root" in message
    assert isinstance(info.value, keystone.ResponseDecodeError)  # and still a JSONDecodeError
    with pytest.raises(UnexpectedResponseError):
        client.http_get("allocations/clusters").json()


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_names_its_target_redacted(local_server: LocalServer, status: int) -> None:
    location = "https://admin:hunter2@keystone.example.org/allocations/clusters/?token=abc"
    local_server.route("*", CLUSTERS, Canned(status, b"", {"Location": location}))
    client = KeystoneClient(local_server.url)
    for call in (client.retrieve_cluster, lambda: client.create_cluster(name="x")):
        with pytest.raises(UnexpectedResponseError) as info:
            call()
        message = str(info.value)
        assert f"({status}) is a redirect to 'https://***@keystone.example.org" in message
        assert "token=***" in message and "hunter2" not in message and "abc" not in message
    assert client.http_get("allocations/clusters").status_code == status  # http_* return it


def test_a_next_link_that_is_not_a_url_is_a_pagination_error(local_server: LocalServer) -> None:
    page = {"count": 2, "next": "http://[::1/broken", "previous": None, "results": [{"id": 1}]}
    local_server.route("GET", CLUSTERS, Canned(200, page))
    with pytest.raises(keystone.PaginationError, match="not a valid URL"):
        KeystoneClient(local_server.url).retrieve_cluster()
