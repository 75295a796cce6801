"""4xx/5xx become typed errors whose messages say what happened and what to do."""

from __future__ import annotations

import json

import pytest
from local_server import Canned, LocalServer

import keystone
from keystone import KeystoneClient
from keystone.testing import FakeClock


@pytest.fixture
def client(local_server: LocalServer) -> KeystoneClient:
    return KeystoneClient(local_server.url, clock=FakeClock())  # retry waits take no time


@pytest.mark.parametrize(
    ("status", "body", "cls", "fragment"),
    [
        (400, {"name": ["This field is required."]}, keystone.ValidationError, "name: This field"),
        (
            401,
            {"detail": "Authentication credentials were not provided."},
            keystone.AuthenticationError,
            "client.login",
        ),
        (
            403,
            {"detail": "You do not have permission to perform this action."},
            keystone.PermissionDeniedError,
            "do not have permission",
        ),
        (
            404,
            {"detail": "No Cluster matches the given query."},
            keystone.NotFoundError,
            "No Cluster matches",
        ),
        (
            405,
            {"detail": 'Method "POST" not allowed.'},
            keystone.MethodNotAllowedError,
            "not allowed",
        ),
        (429, {"detail": "Request was throttled."}, keystone.ThrottledError, "throttled"),
        (409, {"detail": "conflict"}, keystone.ClientError, "conflict"),
        (500, {"detail": "boom"}, keystone.ServerError, "try again later"),
        (503, {"detail": "down"}, keystone.ServerError, "down"),
    ],
)
def test_status_maps_to_error(client, local_server, status, body, cls, fragment) -> None:
    local_server.route("POST", "/allocations/clusters/", Canned(status, body))
    with pytest.raises(cls) as info:
        client.http_post("allocations/clusters", {"description": "x"})
    error = info.value
    assert isinstance(error, keystone.HTTPError)
    assert isinstance(error, keystone.KeystoneError)
    assert error.status_code == status
    assert error.response.status_code == status
    assert error.request is not None and error.request.method == "POST"
    message = str(error)
    assert f"POST {local_server.url}allocations/clusters/ returned {status}" in message
    assert fragment in message


def test_validation_error_exposes_field_errors(client, local_server) -> None:
    body = {"name": ["This field is required."], "enabled": ["Must be a valid boolean."]}
    local_server.route("POST", "/c/", Canned(400, body))
    with pytest.raises(keystone.ValidationError) as info:
        client.http_post("c", {})
    assert info.value.errors == body
    assert keystone.BadRequestError is keystone.ValidationError


def test_throttled_error_carries_retry_after(client, local_server) -> None:
    local_server.route(
        "GET",
        "/t/",
        Canned(429, {"detail": "Request was throttled."}, headers={"Retry-After": "60"}),
    )
    with pytest.raises(keystone.ThrottledError) as info:
        client.http_get("t")
    assert info.value.retry_after == 60.0


def test_html_error_body_gives_a_snippet(client, local_server) -> None:
    page = "<!DOCTYPE html><html><head><title>Not Found</title></head><body>" + "x" * 500
    local_server.route("GET", "/nowhere/", Canned(404, page))
    with pytest.raises(keystone.NotFoundError) as info:
        client.http_get("nowhere")
    message = str(info.value)
    assert "<title>Not Found</title>" in message
    assert "..." in message
    assert len(message) < 500


def test_raise_for_status_on_response(client, local_server) -> None:
    local_server.route("GET", "/ok/", Canned(200, {}))
    response = client.http_get("ok")
    response.raise_for_status()  # no error for 2xx
    broken = keystone.Response(418, content=b"teapot", url="http://x/", request=response.request)
    with pytest.raises(keystone.ClientError, match="418"):
        broken.raise_for_status()
    assert not broken.ok and not bool(broken)


def test_invalid_json_in_a_200(client, local_server) -> None:
    local_server.route(
        "GET", "/v/", Canned(200, b"{not json", headers={"Content-Type": "application/json"})
    )
    response = client.http_get("v")
    with pytest.raises(keystone.ResponseDecodeError) as info:
        response.json()
    assert isinstance(info.value, json.JSONDecodeError)
    assert isinstance(info.value, ValueError)
    assert "{not json" in str(info.value)
    assert "GET" in str(info.value)


def test_errors_pickle(client, local_server) -> None:
    import pickle

    error = keystone.ResponseDecodeError("bad", "doc", 0)
    assert pickle.loads(pickle.dumps(error)).msg == "bad"


def test_message_has_no_double_period(client: KeystoneClient, local_server: LocalServer) -> None:
    local_server.route(
        "GET", "/c/9/", Canned(404, {"detail": "No Cluster matches the given query."})
    )
    with pytest.raises(keystone.NotFoundError) as info:
        client.http_get("c/9")
    assert "query.." not in str(info.value)
    assert "No Cluster matches the given query. Check the record id" in str(info.value)
