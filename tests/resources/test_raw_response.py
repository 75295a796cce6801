"""``client.with_raw_response``: a resource call's result and the HTTP response(s) behind it.

Over real sockets against the session's 0.3.26 emulator (one request a call) and the shared
0.10.9 line (a list read over pages): what ``parse()`` gives is what the plain method returns,
and the responses are the ones the server sent, in order, without the requests that find out
the server's release. A ``MockTransport`` shows the arguments refused before anything is sent
(what mypy sees is in ``test_resource_typing``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from resource_helpers import unique

from keystone import (
    KeystoneClient,
    NotFoundError,
    Request,
    Response,
    StaticTokenAuth,
    ValidationError,
)
from keystone._operations.raw import RawResponse
from keystone.testing import KeystoneEmulator, MockTransport

VERBS = ("create", "retrieve", "update", "delete")


@pytest.fixture(scope="module")
def cluster(admin: KeystoneClient) -> dict[str, Any]:
    return admin.create_cluster(name=unique("raw"), description="raw")


def test_retrieve_gives_the_record_and_the_response(
    admin: KeystoneClient, cluster: dict[str, Any]
) -> None:
    raw = admin.with_raw_response.retrieve_cluster(pk=cluster["id"])
    plain = admin.retrieve_cluster(pk=cluster["id"])
    assert type(plain) is dict  # the plain method still returns the record itself
    assert raw.parse() == plain
    response = raw.http_response
    assert isinstance(response, Response)
    assert raw.http_responses == (response,)
    assert (raw.status_code, response.status_code) == (200, 200)
    assert raw.headers["content-type"].startswith("application/json")
    assert response.json() == plain
    assert response.request is not None and response.request.method == "GET"
    assert urlsplit(response.url).path == f"/allocations/clusters/{cluster['id']}/"
    assert repr(raw) == "<RawResponse [200]>"


def test_create_update_delete(admin: KeystoneClient) -> None:
    raw = admin.with_raw_response
    created = raw.create_cluster(name=unique("raw-crud"), description="made")
    assert created.status_code == 201
    record = created.parse()
    assert record == created.http_response.json()
    updated = raw.update_cluster(pk=record["id"], description="changed")
    assert updated.status_code == 200
    assert updated.parse()["description"] == "changed"
    assert updated.http_response.request is not None
    assert updated.http_response.request.method == "PATCH"
    deleted = raw.delete_cluster(pk=record["id"])
    assert (deleted.parse(), deleted.status_code, deleted.http_response.content) == (None, 204, b"")
    assert admin.retrieve_cluster(pk=record["id"]) is None


def test_a_missing_record_still_gives_its_404(admin: KeystoneClient) -> None:
    missing = 10**9
    read = admin.with_raw_response.retrieve_cluster(pk=missing)
    assert (read.parse(), read.status_code) == (None, 404)
    assert "detail" in read.http_response.json()
    ignored = admin.with_raw_response.delete_cluster(pk=missing)  # raise_not_exists=False
    assert (ignored.parse(), ignored.status_code) == (None, 404)
    with pytest.raises(NotFoundError) as caught:
        admin.with_raw_response.delete_cluster(pk=missing, raise_not_exists=True)
    assert caught.value.response.status_code == 404


def test_an_error_answer_raises_as_the_plain_method_does(admin: KeystoneClient) -> None:
    with pytest.raises(ValidationError) as caught:
        admin.with_raw_response.create_cluster(description="no name")
    assert caught.value.errors == {"name": ["This field is required."]}
    assert caught.value.response.status_code == 400


def test_the_requests_that_find_out_the_server_are_not_the_calls() -> None:
    def answer(request: Request) -> Response:
        if urlsplit(request.url).path == "/version/":
            return Response(200, text="0.10.9")
        return Response(200, json={"id": 7, "name": "found"})

    transport = MockTransport(answer)
    client = KeystoneClient("http://keystone.test/", auth=StaticTokenAuth("k"), transport=transport)
    raw = client.with_raw_response.retrieve_cluster(pk=7)
    sent = [urlsplit(request.url).path for request in transport.requests]
    assert sent[0] == "/version/" and sent[-1] == "/allocations/clusters/7/", sent
    assert [urlsplit(r.url).path for r in raw.http_responses] == ["/allocations/clusters/7/"]
    assert raw.parse() == {"id": 7, "name": "found"}


def test_a_list_gives_every_page_in_order(
    line_emulators: Callable[[str], KeystoneEmulator],
) -> None:
    emulator = line_emulators("0.10.9")
    prefix = unique("paged")
    with KeystoneClient(emulator.url) as client:
        client.login(emulator.admin_username, emulator.admin_password)
        for n in range(5):
            client.create_cluster(name=f"{prefix}-{n}")
        filters = {"name__startswith": prefix, "_limit": 2}
        plain = client.retrieve_cluster(filters=filters)
        for workers in (1, 3):
            raw = client.with_raw_response.retrieve_cluster(filters=filters, workers=workers)
            assert raw.parse() == plain
            assert [r["name"] for r in plain] == [f"{prefix}-{n}" for n in range(5)]
            offsets = [_offset(r) for r in raw.http_responses]
            assert offsets[0] == 0, (workers, offsets)
            assert offsets == sorted(set(offsets)), (workers, offsets)  # each page once, in order
            assert offsets[-1] + 2 >= 5, (workers, offsets)  # down to the last page
            assert {r.status_code for r in raw.http_responses} == {200}
            assert raw.http_response is raw.http_responses[0]
            assert repr(raw) == f"<RawResponse [200], {len(offsets)} responses>"


def _offset(response: Response) -> int:
    return int(parse_qs(urlsplit(response.url).query).get("_offset", ["0"])[0])


def test_the_raw_methods_are_the_clients_but_iter(admin: KeystoneClient) -> None:
    def named(obj: object) -> set[str]:
        return {name for name in dir(obj) if name.split("_", 1)[0] in VERBS}

    raw = admin.with_raw_response
    assert named(raw) == named(admin)
    assert not [name for name in dir(raw) if name.startswith("iter_")]
    assert type(raw).__slots__ == ("_core",)


def test_arguments_are_refused_before_anything_is_sent() -> None:
    def unanswered(request: Request) -> Response:
        raise AssertionError(f"nothing should be sent, but {request.method} {request.url} was")

    transport = MockTransport(unanswered)
    client = KeystoneClient("http://keystone.test/", auth=StaticTokenAuth("k"), transport=transport)
    raw = client.with_raw_response
    with pytest.raises(TypeError, match="no fields to change"):
        raw.update_cluster(pk=1)
    with pytest.raises(ValueError, match="pk must be a positive integer"):
        raw.delete_cluster(pk="1/../users")
    with pytest.raises(TypeError, match="apply to lists"):
        raw.retrieve_cluster(pk=1, workers=2)  # type: ignore[call-overload]
    assert transport.requests == []


def test_raw_response_needs_a_response() -> None:
    with pytest.raises(ValueError, match="at least one request"):
        RawResponse({"id": 1}, [])
