"""Header names are case-insensitive everywhere, and bad headers never reach the wire."""

from __future__ import annotations

import pytest
from local_server import Canned, LocalServer

from keystone import Headers, KeystoneClient, StaticTokenAuth


def test_a_default_credential_header_in_any_case_never_goes_to_another_host(
    local_server: LocalServer,
) -> None:
    other = LocalServer().start()
    try:
        other.route("GET", "/elsewhere/", Canned(200, {}))
        client = KeystoneClient(local_server.url, headers={"authorization": "Token secret-key"})
        client.http_get(other.url + "elsewhere/")
        assert other.last.all("Authorization") == []
    finally:
        other.stop()


def test_a_per_call_credential_header_in_any_case_replaces_the_clients(
    local_server: LocalServer,
) -> None:
    local_server.route("GET", "/x/", Canned(200, {}))
    client = KeystoneClient(local_server.url, auth=StaticTokenAuth("client-key"))
    client.http_get("x", headers={"authorization": "Token call-key"})
    assert local_server.last.all("Authorization") == ["Token call-key"]


def test_a_content_type_in_lower_case_is_sent_once(local_server: LocalServer) -> None:
    local_server.route("POST", "/x/", Canned(201, {}))
    KeystoneClient(local_server.url).http_post(
        "x", {"a": 1}, headers={"content-type": "application/json; charset=utf-8"}
    )
    assert local_server.last.all("Content-Type") == ["application/json; charset=utf-8"]


def test_a_correlation_id_in_any_case_is_the_clients(local_server: LocalServer) -> None:
    local_server.route("GET", "/x/", Canned(200, {}))
    client = KeystoneClient(local_server.url, headers={"x-keystone-cid": "job-7"})
    client.http_get("x")
    assert client.cid == "job-7" and local_server.last.all("X-KEYSTONE-CID") == ["job-7"]


@pytest.mark.parametrize(
    ("headers", "fragment"),
    [
        ({"X-Job": "a\r\nX-Injected: 1"}, "line break"),
        ({"X-Job": "naïve ☃"}, "ISO-8859-1"),
        ({"Bad Name": "x"}, "not a valid HTTP header name"),
        ({"X-Job": 5}, "must have a str value"),
    ],
)
def test_bad_headers_are_refused_before_sending(
    local_server: LocalServer, headers: dict[str, object], fragment: str
) -> None:
    client = KeystoneClient(local_server.url)
    with pytest.raises((ValueError, TypeError), match=fragment):
        client.http_get("x", headers=headers)  # type: ignore[arg-type]
    with pytest.raises((ValueError, TypeError), match=fragment):
        KeystoneClient(local_server.url, headers=headers)  # type: ignore[arg-type]
    assert local_server.received == []


def test_headers_behave_as_one_case_insensitive_mapping() -> None:
    headers = Headers({"Accept": "a"})
    headers["ACCEPT"] = "b"
    assert list(headers.items()) == [("ACCEPT", "b")] and headers["accept"] == "b"
    assert headers.setdefault("accept", "c") == "b" and len(headers) == 1
    assert headers.pop("Accept") == "b" and "accept" not in headers
    assert Headers({"A": "1"}) == {"a": "1"} and Headers({"A": "1"}) != {"a": "2"}
    copy = headers.copy()
    copy["X"] = "1"
    assert "X" not in headers
    assert "secret" not in repr(Headers({"Authorization": "Bearer secret"}))
