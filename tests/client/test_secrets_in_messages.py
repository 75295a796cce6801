"""No credential in any error message, repr or pickled error, whatever the URL carries."""

from __future__ import annotations

import pickle
import socket

import pytest
from local_server import Canned, LocalServer

import keystone
from keystone import KeystoneClient, StaticTokenAuth


@pytest.mark.parametrize(
    "url",
    [
        "http://admin:hunter2@host:99999",
        "ftp://admin:hunter2@host",
        "http://admin:hunter2@",
        "admin:hunter2@host:8000",
        "http://admin:hunter2@host/api?x=1",
    ],
)
def test_a_url_with_a_password_is_refused_without_showing_it(url: str) -> None:
    with pytest.raises(ValueError) as info:
        KeystoneClient(url)
    assert "hunter2" not in str(info.value)
    assert "must not contain credentials" in str(info.value)


def test_a_bad_url_with_a_secret_parameter_is_shown_redacted() -> None:
    with pytest.raises(ValueError) as info:
        KeystoneClient("http://host/api?api_key=hunter2")
    assert "hunter2" not in str(info.value) and "api_key=***" in str(info.value)


def test_http_errors_show_secret_parameters_redacted(local_server: LocalServer) -> None:
    local_server.route("GET", "/x/", Canned(404, {"detail": "Not found."}))
    client = KeystoneClient(local_server.url, auth=StaticTokenAuth("tok-hunter2"))
    with pytest.raises(keystone.NotFoundError) as info:
        client.http_get("x", params={"api_key": "hunter2", "name": "a"})
    error = info.value
    assert "hunter2" not in str(error) and "api_key=***" in str(error) and "name=a" in str(error)
    assert "hunter2" not in repr(error.request)
    assert error.request is not None and error.request.headers["Authorization"] == "Token ***"
    assert error.response.request is error.request
    assert b"hunter2" not in pickle.dumps(error)
    assert local_server.last.headers["Authorization"] == "Token tok-hunter2"  # sent, though


def test_transport_errors_show_secret_parameters_redacted() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = KeystoneClient(f"http://127.0.0.1:{port}", retry=keystone.RetryPolicy.disabled())
    with pytest.raises(keystone.ConnectError) as info:
        client.http_get("x", params={"token": "hunter2"})
    assert "hunter2" not in str(info.value) and "token=***" in str(info.value)
    assert b"hunter2" not in pickle.dumps(info.value)


def test_a_failed_create_keeps_no_password_in_its_error(local_server: LocalServer) -> None:
    local_server.route("POST", "/users/users/", Canned(400, {"username": ["Taken."]}))
    client = KeystoneClient(local_server.url)
    with pytest.raises(keystone.ValidationError) as info:
        client.create_user(username="bob", password="hunter2-pw")
    error = info.value
    assert error.request is not None and error.request.json == {
        "username": "bob",
        "password": "***",
    }
    assert b"hunter2" not in pickle.dumps(error)
    assert local_server.last.json()["password"] == "hunter2-pw"  # the server got it
