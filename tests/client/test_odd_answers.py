"""Whatever a server answers, the client raises a KeystoneError, never a bare Python error.

Raw-socket answers no proper server sends: charsets that do not exist, JSON nested too deep
to parse, bodies of impossible declared sizes, tokens with impossible expiry dates.
"""

from __future__ import annotations

import base64
import json

import pytest
from local_server import Canned, LocalServer
from wire_server import Reply, WireServer, http_response

import keystone
from keystone import KeystoneClient, RetryPolicy

ONCE = RetryPolicy.disabled()
DEEP = b"[" * 100_000 + b"]" * 100_000


def test_an_unknown_charset_on_an_error_is_still_an_http_error() -> None:
    body = b"<html>oops</html>"
    headers = {"Content-Type": "application/json; charset=bogus"}
    with (
        WireServer(Reply(http_response("400 Bad Request", body, headers))) as server,
        pytest.raises(keystone.ValidationError, match="oops"),
    ):
        KeystoneClient(server.url).http_get("x")


def test_an_unknown_charset_on_text_decodes_as_utf8() -> None:
    headers = {"Content-Type": "text/plain; charset=base64"}
    with WireServer(Reply(http_response("200 OK", b"0.10.9", headers))) as server:
        client = KeystoneClient(server.url)
        assert client.http_get("version").text == "0.10.9"
        assert client.api_version == "0.10.9"


def test_json_nested_too_deep_is_an_unexpected_response() -> None:
    headers = {"Content-Type": "application/json"}
    with WireServer(Reply(http_response("200 OK", DEEP, headers))) as server:
        client = KeystoneClient(server.url, server="0.10.9")  # the same answer to everything
        with pytest.raises(keystone.UnexpectedResponseError, match="nested too deeply"):
            client.retrieve_cluster()
        with pytest.raises(keystone.ResponseDecodeError):
            client.http_get("x").json()


def test_an_error_answer_nested_too_deep_is_still_the_typed_error() -> None:
    headers = {"Content-Type": "application/json"}
    with (
        WireServer(Reply(http_response("500 Internal Server Error", DEEP, headers))) as s,
        pytest.raises(keystone.ServerError),
    ):
        KeystoneClient(s.url, retry=ONCE).http_get("x")


@pytest.mark.parametrize(
    "head",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 1000000000000000\r\n\r\n{}",
        b"HTTP/1.1 200 OK\r\nContent-Length: 1" + b"0" * 30 + b"\r\n\r\n{}",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + b"f" * 24 + b"\r\nx",
    ],
    ids=["10**15", "10**30", "huge-chunk"],
)
def test_an_impossible_body_size_is_a_dropped_connection(head: bytes) -> None:
    with WireServer(Reply(head)) as server, pytest.raises(keystone.ConnectionDroppedError):
        KeystoneClient(server.url, retry=ONCE).http_get("x")


def _jwt(claims: dict[str, object]) -> str:
    def part(value: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}.c2ln"


def test_a_token_with_an_impossible_expiry_logs_in(local_server: LocalServer) -> None:
    tokens = {"access": _jwt({"exp": 10**400}), "refresh": _jwt({"exp": 10**400})}
    local_server.route("POST", "/authentication/new/", Canned(200, tokens))
    client = KeystoneClient(local_server.url)
    client.login("user", "pw")
    assert client.is_authenticated


def test_a_token_echoed_in_an_error_is_not_in_the_message(local_server: LocalServer) -> None:
    token = _jwt({"exp": 2_000_000_000, "user_id": 1})
    local_server.route("GET", "/x/", Canned(401, {"detail": f"Bearer {token} is not valid here"}))
    with pytest.raises(keystone.AuthenticationError) as info:
        KeystoneClient(local_server.url).http_get("x")
    assert token not in str(info.value) and "Bearer ***" in str(info.value)
    assert "API token" in str(info.value)  # the hint fits token clients too


def test_an_error_page_in_its_declared_charset_is_readable() -> None:
    body = "Schéma indisponible".encode("utf-16")
    headers = {"Content-Type": "text/html; charset=utf-16"}
    with (
        WireServer(Reply(http_response("500 Internal Server Error", body, headers))) as s,
        pytest.raises(keystone.ServerError, match="Schéma indisponible"),
    ):
        KeystoneClient(s.url, retry=ONCE).http_get("x")
