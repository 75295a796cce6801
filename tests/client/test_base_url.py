"""Base URL validation and endpoint joining."""

from __future__ import annotations

import pytest

from keystone import KeystoneClient
from keystone._urls import BaseURL


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("localhost:8000", "has no scheme"),
        ("keystone.example.org", "has no scheme"),
        ("ftp://keystone.example.org", "scheme 'ftp'"),
        ("http://", "no host"),
        ("http://host:99999", "invalid port"),
        ("http://user:secret@host", "must not contain credentials"),
        ("http://host/?x=1", "query or fragment"),
    ],
)
def test_bad_urls_are_refused_with_the_value_and_an_example(url: str, fragment: str) -> None:
    with pytest.raises(ValueError) as info:
        KeystoneClient(url)
    message = str(info.value)
    assert fragment in message
    assert "secret" not in message
    if "credentials" not in fragment:
        assert repr(url) in message
        assert "http://localhost:8000" in message


def test_non_string_url_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="must be a str"):
        KeystoneClient(8000)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("base", "endpoint", "expected"),
    [
        ("http://h:8000", "version", "http://h:8000/version/"),
        ("http://h:8000/", "/allocations/clusters", "http://h:8000/allocations/clusters/"),
        ("http://h:8000", "allocations/clusters/1/", "http://h:8000/allocations/clusters/1/"),
        ("https://h/keystone", "users/users", "https://h/keystone/users/users/"),
        ("https://h/keystone/", "/users/users/", "https://h/keystone/users/users/"),
        ("https://H:443/api", "x", "https://h/api/x/"),
        ("http://h", "allocations//clusters", "http://h/allocations/clusters/"),
        ("http://h", "//evil.example/x", "http://h/evil.example/x/"),
        ("http://h", "a/b?name=x&id__in=1,2", "http://h/a/b/?name=x&id__in=1,2"),
        ("http://h", "", "http://h/"),
        ("http://h", "a b", "http://h/a%20b/"),
    ],
)
def test_join(base: str, endpoint: str, expected: str) -> None:
    assert BaseURL(base).join(endpoint) == expected


@pytest.mark.parametrize("endpoint", ["../users", "allocations/../../etc", "a/./b", "%2e%2e/x"])
def test_dot_segments_are_refused(endpoint: str) -> None:
    with pytest.raises(ValueError, match="segment"):
        BaseURL("http://h/api").join(endpoint)


def test_absolute_urls_kept_and_origin_compared() -> None:
    base = BaseURL("http://h:8000/api")
    assert base.join("http://other/x/") == "http://other/x/"
    assert base.is_own_origin("http://h:8000/api/x/")
    assert base.is_own_origin("HTTP://H:8000/x/")
    assert not base.is_own_origin("http://h:8001/x/")
    assert not base.is_own_origin("https://h:8000/x/")
    assert not base.is_own_origin("http://h:8000.evil.example/x/")
    assert BaseURL("https://h").is_own_origin("https://h:443/x")


def test_requests_go_to_slashed_urls_under_the_base_path(local_server) -> None:
    from local_server import Canned

    local_server.route("GET", "/keystone/allocations/clusters/", Canned(200, []))
    client = KeystoneClient(local_server.url + "keystone")
    assert client.http_get("allocations/clusters").json() == []
    assert local_server.last.path == "/keystone/allocations/clusters/"
