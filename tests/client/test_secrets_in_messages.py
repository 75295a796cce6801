"""No credential in any error message, repr or pickled error, whatever the URL carries."""

from __future__ import annotations

import pickle
import socket
from typing import Any

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


def test_a_secret_value_in_an_error_body_is_hidden_but_messages_are_shown(
    local_server: LocalServer,
) -> None:
    body = {"password": "hunter2", "token": "tok-hunter2", "username": ["Taken."]}
    local_server.route("POST", "/users/users/", Canned(400, body))
    with pytest.raises(keystone.ValidationError) as info:
        KeystoneClient(local_server.url).create_user(username="bob", password="x")
    message = str(info.value)
    assert "hunter2" not in message
    assert "password: ***; token: ***; username: Taken." in message


ECHO = "<html><pre>Cookie: sessionid=sess-hunter2; csrftoken=csrf-hunter2</pre></html>"


@pytest.mark.parametrize("status", [200, 500])
def test_a_page_echoing_secrets_is_pickled_without_them(
    local_server: LocalServer, status: int
) -> None:
    """A proxy's page, 200 or not, that shows the request's cookies: the error keeps it
    (``response``, and ``doc`` for a ``ResponseDecodeError``) but never pickles the secret."""
    local_server.route("GET", "/allocations/clusters/", Canned(status, ECHO))
    client = KeystoneClient(local_server.url, retry=keystone.RetryPolicy.disabled())
    errors: list[Any] = []
    try:
        client.retrieve_cluster()
    except keystone.KeystoneError as error:
        errors.append(error)
    try:
        client.http_get("allocations/clusters").json()
    except keystone.KeystoneError as error:
        errors.append(error)
    except ValueError as error:  # a ResponseDecodeError is one
        errors.append(error)
    assert len(errors) == 2
    for error in errors:
        assert "hunter2" in error.response.text  # the caller's own copy has it
        pickled = pickle.dumps(error)
        assert b"hunter2" not in pickled, type(error)
        restored = pickle.loads(pickled)
        assert "sessionid=***" in restored.response.text


def test_errors_pickled_with_their_causes_keep_no_secret(local_server: LocalServer) -> None:
    """Dask installs tblib's pickling of exceptions, which also pickles each error's
    ``__cause__`` and ``__context__``: what lies under an error of ours must hide its secrets."""
    support = pytest.importorskip("tblib.pickling_support")
    local_server.route("GET", "/slow/", Canned(200, {}, delay=1.0))
    local_server.route("GET", "/page/", Canned(200, ECHO))
    client = KeystoneClient(local_server.url, timeout=0.2, retry=keystone.RetryPolicy.disabled())
    errors: list[BaseException] = []
    with pytest.raises(keystone.ReadTimeout) as timed_out:
        client.http_get("slow", params={"api_key": "hunter2"})
    errors.append(timed_out.value)
    with pytest.raises(keystone.ResponseDecodeError) as not_json:
        client.http_get("page").json()
    errors.append(not_json.value)
    for error in errors:
        support.install(error)  # as in a Dask worker
        pickled = pickle.dumps(error)
        assert b"hunter2" not in pickled, type(error)
        restored = pickle.loads(pickled)
        assert type(restored) is type(error)
    assert "Read timed out" in str(timed_out.value.__cause__)  # what lay under it, as text
    assert not_json.value.__context__ is None
