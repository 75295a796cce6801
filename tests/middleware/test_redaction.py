"""Unit tests of keystone._redaction: what is hidden, what stays readable."""

from __future__ import annotations

import json

import pytest

from keystone._redaction import DEFAULT_REDACTOR, REDACTED, Redactor

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJ0b2tlbl90eXBlIjoiYWNjZXNzIn0.c2lnbmF0dXJlLXZhbHVl"


def test_secret_headers_keep_their_scheme_and_others_are_untouched() -> None:
    shown = DEFAULT_REDACTOR.headers_of(
        {
            "Authorization": f"Bearer {JWT}",
            "proxy-authorization": "Basic dXNlcjpwYXNz",
            "Cookie": "sessionid=abc; csrftoken=def",
            "Content-Type": "application/json",
            "X-KEYSTONE-CID": "1234",
        }
    )
    assert shown == {
        "Authorization": f"Bearer {REDACTED}",
        "proxy-authorization": f"Basic {REDACTED}",
        "Cookie": REDACTED,
        "Content-Type": "application/json",
        "X-KEYSTONE-CID": "1234",
    }


def test_repeated_set_cookie_headers_are_each_hidden() -> None:
    shown = DEFAULT_REDACTOR.headers_of([("Set-Cookie", "a=1"), ("set-cookie", "b=2")])
    assert shown == {"Set-Cookie": REDACTED, "set-cookie": REDACTED}
    assert "1" not in str(shown) and "2" not in str(shown)


def test_json_fields_are_hidden_at_any_depth_and_in_any_case() -> None:
    body = {
        "username": "alice",
        "PASSWORD": "hunter2",
        "nested": {"list": [{"refresh": "r1"}, {"access": "a1", "keep": 3}]},
        "token": None,
        "description": "no secret here",
    }
    shown = json.loads(DEFAULT_REDACTOR.body(json.dumps(body).encode(), "application/json"))
    assert shown == {
        "username": "alice",
        "PASSWORD": REDACTED,
        "nested": {"list": [{"refresh": REDACTED}, {"access": REDACTED, "keep": 3}]},
        "token": None,
        "description": "no secret here",
    }


def test_configured_fields_and_headers_are_hidden_too() -> None:
    redactor = Redactor(fields={"ssh_key"}, headers={"X-Vault-Token"})
    body = redactor.body(b'{"ssh_key": "AAAAB3Nza", "name": "n"}', "application/json")
    assert "AAAAB3Nza" not in body and '"name":"n"' in body
    assert redactor.header("x-vault-token", "s.abcdef") == REDACTED
    assert "ssh_key" in repr(redactor)
    with pytest.raises(TypeError, match="collection of names"):
        Redactor(fields="ssh_key")


def test_form_bodies_and_query_strings() -> None:
    form = DEFAULT_REDACTOR.body(
        b"username=alice&password=hunter2", "application/x-www-form-urlencoded"
    )
    assert form == f"username=alice&password={REDACTED}"
    url = DEFAULT_REDACTOR.url("https://user:pw@host/api/x/?token=abc&id__in=1,2")
    assert url == f"https://{REDACTED}@host/api/x/?token={REDACTED}&id__in=1,2"
    assert DEFAULT_REDACTOR.url("https://host/x/") == "https://host/x/"


def test_free_text_loses_tokens_and_name_value_secrets() -> None:
    text = (
        f"token {JWT} seen; Authorization: Bearer abcdefgh12345678; "
        "password=hunter2&next=1; {'refresh': 'r e f'}"
    )
    shown = DEFAULT_REDACTOR.text(text)
    for secret in (JWT, "abcdefgh12345678", "hunter2", "r e f"):
        assert secret not in shown
    assert "next=1" in shown
    prose = "Basic allocation for students; Token is blacklisted; token_type access"
    assert DEFAULT_REDACTOR.text(prose) == prose


def test_bodies_that_cannot_be_shown_safely() -> None:
    assert "not shown" in DEFAULT_REDACTOR.body(b'{"access": "abc', "application/json")
    assert DEFAULT_REDACTOR.body(b"\xff\xfe\x00", None) == "<3 bytes of binary content>"
    assert DEFAULT_REDACTOR.body(b"", "application/json") == ""
    assert DEFAULT_REDACTOR.body(b"0.0.0", "text/html") == "0.0.0"


def test_long_bodies_are_cut_after_redaction() -> None:
    body = json.dumps({"password": "p" * 100, "data": "x" * 1000}).encode()
    shown = DEFAULT_REDACTOR.body(body, "application/json", limit=50)
    assert shown.startswith('{"password":"***"')
    assert shown.endswith(f"({len(body)} bytes in all)")
    assert "p" * 10 not in shown


def test_very_deep_nesting_is_hidden_not_recursed() -> None:
    value: object = "deep"
    for _ in range(100):
        value = [value]
    shown = DEFAULT_REDACTOR.value(value)
    assert REDACTED in json.dumps(shown)
