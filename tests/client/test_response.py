"""The requests.Response-compatible surface."""

from __future__ import annotations

import datetime

import pytest
from local_server import Canned, LocalServer

from keystone import KeystoneClient, Response


def test_surface_over_a_real_response(local_server: LocalServer) -> None:
    local_server.route("GET", "/version/", Canned(200, "0.0.0"))
    response = KeystoneClient(local_server.url).http_get("version")
    assert response.status_code == 200
    assert response.ok
    assert response.reason == "OK"
    assert response.url == f"{local_server.url}version/"
    assert response.text == "0.0.0"
    assert response.content == b"0.0.0"
    assert response.encoding == "utf-8"
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert isinstance(response.elapsed, datetime.timedelta)
    assert response.elapsed > datetime.timedelta(0)
    assert response.request is not None and response.request.method == "GET"
    assert repr(response) == "<Response [200]>"
    assert response.history == []
    response.close()
    with response as same:
        assert same is response


def test_json_decodes_once() -> None:
    response = Response(200, content=b'{"a": [1, 2]}', headers={"Content-Type": "application/json"})
    first = response.json()
    assert first == {"a": [1, 2]}
    assert response.json() is first


def test_text_uses_charset_and_encoding_is_settable() -> None:
    body = "café".encode("latin-1")
    response = Response(200, content=body, headers={"Content-Type": "text/plain; charset=latin-1"})
    assert response.text == "café"
    response.encoding = "utf-8"
    assert response.text == "caf\ufffd"


def test_iter_content_and_lines() -> None:
    response = Response(200, content=b"line1\nline2\r\nline3")
    assert b"".join(response.iter_content(4)) == response.content
    assert next(iter(response.iter_content(4))) == b"line"
    assert list(response.iter_lines()) == [b"line1", b"line2", b"line3"]
    assert list(response.iter_lines(decode_unicode=True)) == ["line1", "line2", "line3"]
    assert list(response.iter_content(None)) == [response.content]


def test_links_header() -> None:
    response = Response(200, headers={"Link": '<http://h/?page=2>; rel="next"'})
    assert response.links == {"next": {"url": "http://h/?page=2", "rel": "next"}}


@pytest.mark.parametrize(
    ("status", "ok"), [(200, True), (204, True), (301, True), (404, False), (500, False)]
)
def test_ok_and_bool(status: int, ok: bool) -> None:
    response = Response(status)
    assert response.ok is ok
    assert bool(response) is ok


def test_take_json_releases_the_body_and_keeps_the_value() -> None:
    response = Response(200, content=b'[{"id": 1}]', headers={"Content-Type": "application/json"})
    value = response.take_json()
    assert value == [{"id": 1}]
    assert response.content == b""
    assert response.json() is value
    assert response.take_json() is value


def test_take_json_on_a_bad_body_keeps_it_for_the_error() -> None:
    import keystone

    for body in (b"{bad", b"\xff\xfe\xfa"):
        response = Response(200, content=body, headers={"Content-Type": "application/json"})
        with pytest.raises(keystone.ResponseDecodeError):
            response.take_json()
        assert response.content == body
