"""Every row of the table of what Keystone 0.4.1 to 0.10.9 do differently, on their emulators.

One test per row (login and logout views, anonymous whoami, authentication classes, the team
concept, search and order, negated lookups, lists, other collections, status choices, the
fields a request and a grant require, throttle defaults), each run against the emulator of
every release line, over plain HTTP (not the project's client), so that it says what the
server does. The rows and releases are those of the server's source history; the recordings
of real servers (``test_release_replay.py``) check the same ground exchange by exchange.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from session_api import NOT_AUTHENTICATED, Session, unique

from keystone.testing import KeystoneEmulator
from keystone.testing.config import EmulatorConfig

SESSION_LINES = ("0.4.1", "0.5.17", "0.6.21", "0.7.5", "0.8.7", "0.9.5", "0.10.9")


def _at_least(api: str, first: str) -> bool:
    return tuple(map(int, api.split("."))) >= tuple(map(int, first.split(".")))


@pytest.fixture(scope="module", params=SESSION_LINES)
def line(
    request: pytest.FixtureRequest, line_emulators: Callable[[str], KeystoneEmulator]
) -> KeystoneEmulator:
    return line_emulators(request.param)


@pytest.fixture
def admin(line: KeystoneEmulator) -> Session:
    return Session.admin(line)


def test_login_and_logout_views(line: KeystoneEmulator) -> None:
    session = Session(line.url)
    answer = session.login(line.admin_username, line.admin_password)
    body = answer.json()
    assert {"sessionid", "csrftoken"} <= set(session.cookies)
    anonymous = Session(line.url).post("authentication/logout/")
    if _at_least(line.api, "0.6.12"):  # Keystone's own views
        assert body["username"] == line.admin_username and "key" not in body
        assert anonymous.status == 401
        assert session.post("authentication/logout/").data == b""
    else:  # dj-rest-auth: the user's API token, and a logout for anyone that deletes it
        assert list(body) == ["key"]
        assert anonymous.status == 200 and anonymous.json() == {
            "detail": "Successfully logged out."
        }
        session.post("authentication/logout/")
        assert Session(line.url, token=body["key"]).get("authentication/whoami/").status in (
            401,
            403,
        )


def test_anonymous_whoami(line: KeystoneEmulator) -> None:
    answer = Session(line.url).get("authentication/whoami/")
    assert answer.status == 401
    if _at_least(line.api, "0.6.6"):
        assert answer.json() == NOT_AUTHENTICATED
        assert answer.headers["WWW-Authenticate"] == "Token"
    else:  # an empty body and no content type
        assert answer.data == b"" and "Content-Type" not in answer.headers


def test_authentication_classes(line: KeystoneEmulator) -> None:
    anonymous = Session(line.url).get("allocations/clusters/")
    token = line.create_token(line.admin_username)
    with_token = Session(line.url, token=token).get("allocations/clusters/")
    if _at_least(line.api, "0.6.4"):  # TokenAuthentication first
        assert anonymous.status == 401 and with_token.status == 200
    else:  # DRF's session then basic authentication: a missing login is a 403, tokens unread
        assert anonymous.status == 403 and anonymous.json() == NOT_AUTHENTICATED
        assert with_token.status == 403


def test_the_team_concept(line: KeystoneEmulator, admin: Session) -> None:
    me = admin.get("authentication/whoami/").json()["id"]
    if not _at_least(line.api, "0.5.0"):
        group = admin.create("users/researchgroups/", {"name": unique("g"), "pi": me})
        assert admin.get("users/teams/").status == 404
        request = admin.create(
            "allocations/requests/", {"title": "t", "description": "d", "group": group["id"]}
        )
        assert request["group"] == group["id"] and "team" not in request
        return
    assert admin.get("users/researchgroups/").status == 404
    team = admin.create("users/teams/", {"name": unique("team")})
    assert ("slug" in team) is _at_least(line.api, "0.8.0")
    path = "users/memberships/" if _at_least(line.api, "0.7.4") else "users/membership/"
    other = "users/membership/" if _at_least(line.api, "0.7.4") else "users/memberships/"
    created = admin.create(path, {"user": me, "team": team["id"], "role": "OW"})
    assert created["role"] == "OW" and admin.get(other).status == 404


def _names(answer: Any) -> list[str]:
    body = answer.json()
    records = body["results"] if isinstance(body, dict) else body
    return [record["name"] for record in records]


def test_search_and_order(line: KeystoneEmulator, admin: Session) -> None:
    prefix = unique("so")
    for name in ("a", "b", "c"):
        admin.create("allocations/clusters/", {"name": f"{prefix}-{name}", "description": name})
    searched = admin.get("allocations/clusters/", name__startswith=prefix, _search=f"{prefix}-b")
    ordered = admin.get("allocations/clusters/", name__startswith=prefix, _order="-name")
    if _at_least(line.api, "0.5.9"):
        assert _names(searched) == [f"{prefix}-b"]
        assert _names(ordered) == [f"{prefix}-{n}" for n in "cba"]
    else:  # ignored: every record, in the default order
        assert _names(searched) == _names(ordered) == [f"{prefix}-{n}" for n in "abc"]


NEGATIONS = {
    "name__not_in": "0.9.3",
    "name__not_contains": "0.9.3",
    "description__not_isnull": "0.9.3",  # gone at 0.10.7
    "name__not_eq": "0.10.7",
    "name__not_startswith": "0.10.7",
}


@pytest.mark.parametrize("lookup", sorted(NEGATIONS))
def test_negated_lookups(line: KeystoneEmulator, admin: Session, lookup: str) -> None:
    prefix = unique("neg")
    for name in ("a", "b"):
        admin.create("allocations/clusters/", {"name": f"{prefix}-{name}"})
    value = "true" if lookup.endswith("isnull") else f"{prefix}-a"
    names = _names(admin.get("allocations/clusters/", name__startswith=prefix, **{lookup: value}))
    has = _at_least(line.api, NEGATIONS[lookup])
    if lookup == "description__not_isnull" and _at_least(line.api, "0.10.7"):
        has = False
    everything = [f"{prefix}-a", f"{prefix}-b"]
    if not has:
        assert names == everything  # an unknown lookup is ignored: the unfiltered list
    elif lookup == "description__not_isnull":
        assert names == []  # neither has a description
    else:
        assert names == [f"{prefix}-b"]


def test_lists(line: KeystoneEmulator, admin: Session) -> None:
    prefix = unique("page")
    for n in range(5):
        admin.create("allocations/clusters/", {"name": f"{prefix}-{n}"})
    answer = admin.get("allocations/clusters/", name__startswith=prefix, _limit=2, _offset=2)
    body = answer.json()
    if _at_least(line.api, "0.8.0"):
        assert body["count"] == 5 and len(body["results"]) == 2 and body["next"]
    elif _at_least(line.api, "0.7.4"):
        assert len(body) == 2
        assert (answer.headers["X-Total-Count"], answer.headers["X-Offset"]) == ("5", "2")
    else:
        assert len(body) == 5 and "X-Total-Count" not in answer.headers


COLLECTIONS = {  # path: (first release with it, first without it)
    "allocations/attachments/": ("0.5.3", None),
    "allocations/comments/": ("0.6.0", None),
    "notifications/notifications/": ("0.6.8", None),
    "logs/audit/": ("0.6.3", None),
    "logs/apps/": ("0.0.0", "0.7.0"),
    "stats/requests/": ("0.8.2", None),
    "config/": ("0.9.5", None),
    "batch/": ("0.10.0", None),
    "logs/feed/": ("0.10.7", None),
    "allocations/jobs/": ("0.6.10", "0.10.3"),
}


@pytest.mark.parametrize("path", sorted(COLLECTIONS))
def test_other_collections(line: KeystoneEmulator, admin: Session, path: str) -> None:
    first, gone = COLLECTIONS[path]
    expected = _at_least(line.api, first) and not (gone and _at_least(line.api, gone))
    answer = admin.get(path)
    assert (answer.status != 404) is expected, answer.status


def test_status_choices(line: KeystoneEmulator, admin: Session) -> None:
    new = admin.get("allocations/request-choices/status/")
    old = admin.get("allocations/allocation-request/status-choices/")
    if _at_least(line.api, "0.7.4"):
        assert new.json()["AP"] == "Approved" and old.status == 404
    elif _at_least(line.api, "0.5.6"):
        assert old.json()["AP"] == "Approved" and new.status == 404
    else:
        assert new.status == old.status == 404


def test_the_fields_a_request_requires(line: KeystoneEmulator, admin: Session) -> None:
    required = set(admin.post("allocations/requests/", {}).json())
    expected = {"title", "description"}
    expected |= {"team"} if _at_least(line.api, "0.5.0") else {"group"}
    expected |= {"submitter"} if _at_least(line.api, "0.10.0") else set()
    assert required == expected


def test_the_fields_a_grant_requires(line: KeystoneEmulator, admin: Session) -> None:
    required = set(admin.post("research/grants/", {}).json())
    expected = {"title", "agency", "amount", "start_date"}
    expected |= {"team"} if _at_least(line.api, "0.5.0") else {"group"}
    expected |= {"fiscal_year"} if not _at_least(line.api, "0.7.2") else set()
    expected |= {"end_date"} if not _at_least(line.api, "0.8.2") else set()
    expected |= {"grant_number"} if not _at_least(line.api, "0.10.6") else set()
    assert required == expected


@pytest.mark.parametrize("api", SESSION_LINES)
def test_throttle_defaults(api: str) -> None:
    config = EmulatorConfig.for_api(api)
    expected = ("10000/day", "1000/day") if api == "0.4.1" else ("300/min", "120/min")
    assert (config.user_throttle, config.anon_throttle) == expected


def test_a_throttled_client_is_told_when_to_come_back() -> None:
    with KeystoneEmulator(api="0.5.17", anon_throttle="2/min") as throttled:
        answers = [Session(throttled.url).login("nobody", "wrong") for _ in range(3)]
    assert [a.status for a in answers] == [400, 400, 429]
    assert answers[-1].headers["Retry-After"].isdigit()
