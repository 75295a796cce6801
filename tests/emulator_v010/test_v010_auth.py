"""Sessions, CSRF and API tokens on the v0.10.9 profile, as the real server handles them."""

from __future__ import annotations

import pytest
from session_api import CSRF_MISSING, MEMBER, NOT_AUTHENTICATED, OUTSIDER, Session, unique

from keystone.testing import KeystoneEmulator


def _cookie(response: object, name: str) -> str:
    headers = response.headers.getlist("set-cookie")  # type: ignore[attr-defined]
    return next(h for h in headers if h.startswith(f"{name}="))


def test_login_sets_the_session_and_csrf_cookies_and_answers_the_user(
    v010: KeystoneEmulator,
) -> None:
    session = Session(v010.url)
    response = session.login(MEMBER.username, MEMBER.password)
    assert response.status == 200
    assert response.json()["username"] == MEMBER.username
    assert "password" not in response.json()
    sessionid = _cookie(response, "sessionid")
    for attribute in ("HttpOnly", "Max-Age=1209600", "Path=/", "SameSite=Lax"):
        assert attribute in sessionid
    csrftoken = _cookie(response, "csrftoken")
    assert "Max-Age=31449600" in csrftoken and "HttpOnly" not in csrftoken
    assert session.get("authentication/whoami/").json()["username"] == MEMBER.username


def test_bad_credentials_are_a_400_with_the_servers_message(v010: KeystoneEmulator) -> None:
    response = Session(v010.url).login(MEMBER.username, "wrong")
    assert response.status == 400
    assert response.json() == {"non_field_errors": ["Invalid username or password."]}
    missing = Session(v010.url).post("authentication/login/", {"username": "x"})
    assert missing.json() == {"password": ["This field is required."]}


def test_logging_in_again_with_a_session_needs_csrf_and_renews_the_token(
    v010: KeystoneEmulator,
) -> None:
    session = Session.logged_in(v010, MEMBER.username, MEMBER.password)
    first = session.cookies["csrftoken"]
    credentials = {"username": MEMBER.username, "password": MEMBER.password}
    refused = session.post("authentication/login/", credentials, csrf=False)
    assert refused.status == 403 and refused.json() == CSRF_MISSING
    again = session.post("authentication/login/", credentials)
    assert again.status == 200
    assert session.cookies["csrftoken"] != first


def test_logout_ends_the_session_and_deletes_its_cookie(v010: KeystoneEmulator) -> None:
    session = Session.logged_in(v010, MEMBER.username, MEMBER.password)
    held = dict(session.cookies)
    assert session.post("authentication/logout/", csrf=False).json() == CSRF_MISSING
    response = session.post("authentication/logout/")
    assert response.status == 200 and response.data == b""
    assert 'sessionid=""' in _cookie(response, "sessionid")
    assert "sessionid" not in session.cookies
    stale = Session(v010.url)
    stale.cookies = held
    whoami = stale.get("authentication/whoami/")
    assert whoami.status == 401 and whoami.json() == NOT_AUTHENTICATED
    assert whoami.headers["WWW-Authenticate"] == "Token"
    again = stale.post("authentication/logout/")
    assert again.status == 401


def test_unsafe_methods_need_the_csrf_header_with_a_session(
    v010: KeystoneEmulator, admin: Session
) -> None:
    name = unique("csrf")
    refused = admin.post("allocations/clusters/", {"name": name}, csrf=False)
    assert refused.status == 403 and refused.json() == CSRF_MISSING
    wrong = admin.post(
        "allocations/clusters/", {"name": name}, csrf=False, headers={"X-CSRFToken": "a" * 32}
    )
    expected = "CSRF Failed: CSRF token from the 'X-Csrftoken' HTTP header incorrect."
    assert wrong.json() == {"detail": expected}
    assert admin.get("allocations/clusters/", name=name).json()["count"] == 0
    created = admin.post("allocations/clusters/", {"name": name})
    assert created.status == 201


def test_a_foreign_origin_fails_even_with_a_good_token_a_trusted_one_passes(
    admin: Session,
) -> None:
    foreign = admin.post(
        "allocations/clusters/", {"name": unique("o")}, headers={"Origin": "http://evil.example"}
    )
    detail = "CSRF Failed: Origin checking failed - http://evil.example does not match any "
    assert foreign.status == 403 and foreign.json() == {"detail": detail + "trusted origins."}
    trusted = admin.post(
        "allocations/clusters/", {"name": unique("o")}, headers={"Origin": "http://localhost:4200"}
    )
    assert trusted.status == 201
    assert trusted.headers["Access-Control-Allow-Origin"] == "http://localhost:4200"


def test_tokens_need_no_csrf_survive_logout_and_beat_a_session_when_invalid(
    v010: KeystoneEmulator,
) -> None:
    key = v010.create_token(MEMBER.username)
    assert v010.create_token(MEMBER.username) == key  # one token per user
    by_token = Session(v010.url, token=key)
    assert by_token.get("authentication/whoami/").json()["username"] == MEMBER.username
    created = by_token.post("users/teams/", {"name": unique("token-team")})
    assert created.status == 201  # no CSRF header, no cookie
    assert by_token.post("authentication/logout/").status == 200
    assert by_token.get("authentication/whoami/").status == 200  # logout does not revoke it
    session = Session.logged_in(v010, MEMBER.username, MEMBER.password)
    invalid = session.request(
        "GET", "authentication/whoami/", headers={"Authorization": "Token " + "0" * 40}
    )
    assert invalid.status == 401 and invalid.json() == {"detail": "Invalid token."}
    bearer = Session(v010.url).request(
        "GET", "allocations/clusters/", headers={"Authorization": f"Bearer {key}"}
    )
    assert bearer.status == 401 and bearer.json() == NOT_AUTHENTICATED


@pytest.mark.parametrize(
    ("header", "detail"),
    [
        ("Token", "Invalid token header. No credentials provided."),
        ("Token abc def", "Invalid token header. Token string should not contain spaces."),
    ],
)
def test_malformed_token_headers(v010: KeystoneEmulator, header: str, detail: str) -> None:
    response = Session(v010.url).request(
        "GET", "allocations/clusters/", headers={"Authorization": header}
    )
    assert response.status == 401 and response.json() == {"detail": detail}
    assert response.headers["WWW-Authenticate"] == "Token"


def test_end_sessions_logs_a_user_out_everywhere(v010: KeystoneEmulator) -> None:
    v010.end_sessions(OUTSIDER.username)  # sessions other tests of the shared server left
    first = Session.logged_in(v010, OUTSIDER.username, OUTSIDER.password)
    second = Session.logged_in(v010, OUTSIDER.username, OUTSIDER.password)
    assert v010.end_sessions(OUTSIDER.username) == 2
    for session in (first, second):
        assert session.get("authentication/whoami/").status == 401
    assert v010.end_sessions(OUTSIDER.username) == 0
