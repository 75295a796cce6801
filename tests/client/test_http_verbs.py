"""http_* verbs over a real local socket: what goes on the wire and what comes back."""

from __future__ import annotations

import socket
import threading

import pytest
from local_server import Canned, LocalServer

import keystone
from keystone import KeystoneClient, RetryPolicy
from keystone.testing import FakeClock


@pytest.fixture
def client(local_server: LocalServer) -> KeystoneClient:
    return KeystoneClient(local_server.url, clock=FakeClock())  # retry waits take no time


def test_get_with_params_sends_comma_joined_lists(
    client: KeystoneClient, local_server: LocalServer
) -> None:
    local_server.route("GET", "/allocations/clusters/", Canned(200, [{"id": 1}]))
    response = client.http_get("allocations/clusters", params={"id__in": [1, 2], "enabled": True})
    assert response.status_code == 200
    assert response.json() == [{"id": 1}]
    assert local_server.last.path == "/allocations/clusters/?id__in=1,2&enabled=true"
    assert local_server.last.headers["Accept"] == "application/json"
    assert local_server.last.headers["User-Agent"].startswith("keystone-api-client/")


@pytest.mark.parametrize("verb", ["post", "put", "patch"])
def test_data_is_sent_as_json_not_a_form(
    client: KeystoneClient, local_server: LocalServer, verb: str
) -> None:
    method = verb.upper()
    local_server.route(method, "/allocations/clusters/", Canned(201, {"id": 1}))
    send = getattr(client, f"http_{verb}")
    response = send("allocations/clusters", {"name": "c", "enabled": False, "n": None})
    assert response.status_code == 201
    sent = local_server.last
    assert sent.method == method
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.json() == {"name": "c", "enabled": False, "n": None}


def test_json_keyword_lists_and_raw_bytes(
    client: KeystoneClient, local_server: LocalServer
) -> None:
    local_server.route("POST", "/x/", Canned(200, {}))
    client.http_post("x", json=[1, 2])
    assert local_server.last.json() == [1, 2]
    client.http_post("x", b'{"raw": true}')
    assert local_server.last.body == b'{"raw": true}'
    assert local_server.last.headers["Content-Type"] == "application/json"
    client.http_post("x", b"a=1", headers={"Content-Type": "text/plain"})
    assert local_server.last.headers["Content-Type"] == "text/plain"
    with pytest.raises(ValueError, match="either data= or json="):
        client.http_post("x", {"a": 1}, json={"b": 2})


def test_dates_and_uuids_in_data_are_encoded(
    client: KeystoneClient, local_server: LocalServer
) -> None:
    import datetime
    import uuid

    local_server.route("POST", "/x/", Canned(200, {}))
    value = uuid.UUID(int=1)
    client.http_post("x", {"active": datetime.date(2025, 3, 1), "id": value})
    assert local_server.last.json() == {"active": "2025-03-01", "id": str(value)}
    with pytest.raises(TypeError, match="cannot be sent as JSON"):
        client.http_post("x", {"bad": object()})


def test_delete_204_empty_body(client: KeystoneClient, local_server: LocalServer) -> None:
    local_server.route("DELETE", "/allocations/clusters/4/", Canned(204))
    response = client.http_delete("allocations/clusters/4")
    assert response.status_code == 204
    assert response.content == b""
    assert response.text == ""
    assert response.ok and bool(response)
    assert local_server.last.body == b""


def test_redirects_are_returned_not_followed(
    client: KeystoneClient, local_server: LocalServer
) -> None:
    local_server.route(
        "POST", "/moved/", Canned(301, "", headers={"Location": "http://127.0.0.1:1/elsewhere/"})
    )
    response = client.http_post("moved", {"a": 1})
    assert response.status_code == 301
    assert response.is_redirect
    assert response.headers["location"] == "http://127.0.0.1:1/elsewhere/"
    assert len(local_server.received) == 1


def test_case_insensitive_headers(client: KeystoneClient, local_server: LocalServer) -> None:
    local_server.route("GET", "/h/", Canned(200, {}, headers={"X-Custom-Thing": "yes"}))
    response = client.http_get("h")
    assert response.headers["x-custom-thing"] == "yes"
    assert response.headers["X-CUSTOM-THING"] == "yes"
    assert "content-type" in response.headers


def test_keep_alive_connection_is_reused(client: KeystoneClient, local_server: LocalServer) -> None:
    local_server.route("GET", "/ping/", Canned(200, {"ok": True}))
    for _ in range(20):
        client.http_get("ping")
    assert local_server.connections == 1


def test_many_threads_share_one_client(local_server: LocalServer) -> None:
    local_server.route("GET", "/ping/", Canned(200, {"ok": True}))
    client = KeystoneClient(local_server.url, pool_maxsize=8)
    failures: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(25):
                assert client.http_get("ping").json() == {"ok": True}
        except BaseException as exc:  # pragma: no cover - reported below
            failures.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(local_server.received) == 200
    assert local_server.connections <= 8


def test_read_timeout_per_call(client: KeystoneClient, local_server: LocalServer) -> None:
    local_server.route("GET", "/slow/", Canned(200, {}, delay=0.5))
    with pytest.raises(keystone.ReadTimeout) as info:
        client.http_get("slow", timeout=0.2)
    assert "GET http://127.0.0.1" in str(info.value)
    assert "/slow/" in str(info.value)
    assert info.value.request is not None and info.value.request.method == "GET"
    assert isinstance(info.value, keystone.TimeoutError)
    assert info.value.request_sent


def test_default_timeout_and_tuple_timeout(local_server: LocalServer) -> None:
    local_server.route("GET", "/slow/", Canned(200, {}, delay=0.5))
    once = RetryPolicy.disabled()  # the timeouts are what is tested, not the retries
    with pytest.raises(keystone.ReadTimeout):
        KeystoneClient(local_server.url, timeout=0.2, retry=once).http_get("slow")
    with pytest.raises(keystone.ReadTimeout):
        KeystoneClient(local_server.url, retry=once).http_get("slow", timeout=(1, 0.2))
    with pytest.raises(ValueError, match="positive number"):
        KeystoneClient(local_server.url).http_get("slow", timeout=-1)


def test_connection_refused_names_the_request() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = KeystoneClient(f"http://127.0.0.1:{port}", clock=FakeClock())
    with pytest.raises(keystone.ConnectError) as info:
        client.http_post("allocations/clusters", {"name": "x"})
    message = str(info.value)
    assert f"POST http://127.0.0.1:{port}/allocations/clusters/" in message
    assert "nothing was sent" in message
    assert info.value.request_sent is False


def test_connection_dropped_before_response(
    client: KeystoneClient, local_server: LocalServer
) -> None:
    local_server.route("POST", "/drop/", Canned(drop=True))
    with pytest.raises(keystone.ConnectionDroppedError, match="may or may not have processed"):
        client.http_post("drop", {"a": 1})


def test_close_and_context_manager(local_server: LocalServer) -> None:
    local_server.route("GET", "/ping/", Canned(200, {}))
    with KeystoneClient(local_server.url) as client:
        client.http_get("ping")
    client.http_get("ping")  # usable after close: reconnects
    assert local_server.connections == 2


def test_repr_shows_url_and_authentication_state(
    client: KeystoneClient, local_server: LocalServer
) -> None:
    assert repr(client) == f"<KeystoneClient url='{local_server.url}' authenticated=False>"


def test_verify_options(tmp_path) -> None:
    with pytest.warns(keystone.InsecureConnectionWarning, match="verification is off") as seen:
        KeystoneClient("https://localhost", verify=False)
    assert seen[0].filename == __file__  # the line that made the client, not the client's own
    with pytest.raises(ValueError, match="neither a CA bundle"):
        KeystoneClient("https://localhost", verify=str(tmp_path / "missing.pem"))
    bundle = tmp_path / "ca.pem"
    bundle.write_text("")
    KeystoneClient("https://localhost", verify=str(bundle))


def test_endpoint_must_be_a_string(client: KeystoneClient) -> None:
    with pytest.raises(TypeError, match="endpoint must be a str"):
        client.http_get(5)  # type: ignore[arg-type]
