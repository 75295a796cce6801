"""On every release line, the client follows the release it talks to and is never silently wrong.

Each test runs against an emulator of the last release of each line (0.3.26, 0.4.1, 0.5.17,
0.6.21, 0.7.5, 0.8.7, 0.9.5, 0.10.9), with a client that is not told which: it finds out. What
the release would ignore without an error (a lookup it lacks, a value its filter cannot read,
``search=`` where it cannot search, a field it does not have) is refused before anything is
sent; what the release does is done, and a list is read to its end however the release pages.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from release_lines import LINES

from keystone import (
    AuthenticationError,
    Generation,
    KeystoneClient,
    Login,
    Paging,
    Response,
    StaticTokenAuth,
    UnsupportedError,
)
from keystone.testing import KeystoneEmulator, MockTransport

#: What each line is, as the client should find it.
TRAITS: dict[str, tuple[Paging, Login, int, bool]] = {
    "0.3.26": (Paging.WHOLE, Login.JWT, 401, False),
    "0.4.1": (Paging.WHOLE, Login.REST_AUTH, 403, False),
    "0.5.17": (Paging.WHOLE, Login.REST_AUTH, 403, False),
    "0.6.21": (Paging.WHOLE, Login.SESSION, 401, True),
    "0.7.5": (Paging.HEADERS, Login.SESSION, 401, True),
    "0.8.7": (Paging.ENVELOPE, Login.SESSION, 401, True),
    "0.9.5": (Paging.ENVELOPE, Login.SESSION, 401, True),
    "0.10.9": (Paging.ENVELOPE, Login.SESSION, 401, True),
}
#: A lookup on cluster names each line lacks, and one it has that a line before it lacked.
LACKS = {
    "0.9.5": "name__not_eq",  # from 0.10.7
    "0.10.9": "name__not_isnull",  # 0.9.3 to 0.10.6
}
HAS = {"0.9.5": "name__not_in", "0.10.9": "name__not_eq"}


def _prefix() -> str:
    return f"t{uuid.uuid4().hex[:8]}-"


def _gets(line: KeystoneEmulator, path: str = "/allocations/clusters/") -> int:
    return sum(entry.count for entry in line.stats.entries(method="GET", path=path))


def test_the_release_is_found_out_with_one_request(line: KeystoneEmulator) -> None:
    paging, login, _, tokens = TRAITS[line.api]
    line.stats.reset()
    client = KeystoneClient(line.url)
    server = client.server
    asked = [(e.method, e.path) for e in line.stats.entries()]
    if line.api == "0.3.26":  # it reports 0.0.0 (installed from its source): whoami tells
        assert server.release is None and server.note and "0.0.0" in server.note
        assert sorted(asked) == [("GET", "/authentication/whoami/"), ("GET", "/version/")]
    else:
        assert server.release == line.api and server.note is None
        assert asked == [("GET", "/version/")]
    assert server.follows == line.api
    assert server.generation is Generation.of("0.3" if line.api == "0.3.26" else "0.4+")
    assert (server.paging, server.login, server.tokens) == (paging, login, tokens)
    _ = client.server
    assert len(line.stats.entries()) == len(asked)  # once in the client's life


def test_a_lookup_the_release_lacks_is_refused_before_sending(
    line: KeystoneEmulator, client: KeystoneClient
) -> None:
    prefix = _prefix()
    for name in ("a", "b", "c"):
        client.create_cluster(name=prefix + name)
    lacking = LACKS.get(line.api, "name__not_in")
    sent = _gets(line)
    with pytest.raises(ValueError, match=rf"'{lacking}' is not a filter of clusters on Keystone"):
        client.retrieve_cluster(filters={lacking: prefix + "a", "name__startswith": prefix})
    with pytest.raises(ValueError, match="does not have it"):
        next(client.iter_cluster(filters={lacking: prefix + "a"}))
    assert _gets(line) == sent  # nothing sent: the server would have answered every cluster
    having = HAS.get(line.api)
    if having is not None:  # and where the release has the lookup, it filters
        found = client.retrieve_cluster(filters={having: prefix + "a", "name__startswith": prefix})
        assert sorted(c["name"] for c in found) == [prefix + "b", prefix + "c"]


def test_a_value_the_filter_cannot_read_is_refused(
    line: KeystoneEmulator, client: KeystoneClient
) -> None:
    sent = _gets(line)
    with pytest.raises(ValueError, match=r"'enabled' .* takes True or False, not 'no'"):
        client.retrieve_cluster(filters={"enabled": "no"})
    assert _gets(line) == sent
    assert isinstance(client.retrieve_cluster(filters={"enabled": False}), list)


def test_search_and_order_where_the_release_has_them(
    line: KeystoneEmulator, client: KeystoneClient
) -> None:
    prefix = _prefix()
    for name in ("alpha", "beta", "gamma"):
        client.create_cluster(name=prefix + name, description=f"{name} cluster")
    if line.api in ("0.3.26", "0.4.1"):  # no search or ordering backend before 0.5
        sent = _gets(line)
        with pytest.raises(UnsupportedError, match="cannot search clusters"):
            client.retrieve_cluster(search="beta")
        with pytest.raises(UnsupportedError, match="cannot order clusters"):
            client.retrieve_cluster(order="-name")
        assert _gets(line) == sent
        return
    found = client.retrieve_cluster(filters={"name__startswith": prefix}, search="beta")
    assert [c["name"] for c in found] == [prefix + "beta"]
    ordered = client.retrieve_cluster(filters={"name__startswith": prefix}, order="-name")
    assert [c["name"] for c in ordered] == [prefix + n for n in ("gamma", "beta", "alpha")]


def test_a_list_is_read_to_its_end_however_the_release_pages_it(
    line: KeystoneEmulator, client: KeystoneClient
) -> None:
    prefix = _prefix()
    names = [f"{prefix}{n:02d}" for n in range(25)]
    for name in names:
        client.create_cluster(name=name)
    mine = {"name__startswith": prefix}
    line.stats.reset()
    assert [c["name"] for c in client.iter_cluster(filters=mine, page_size=10)] == names
    pages = _gets(line)
    assert pages == (3 if TRAITS[line.api][0] is not Paging.WHOLE else 1)
    assert [c["name"] for c in client.retrieve_cluster(filters=mine)] == names


def test_a_field_the_release_lacks_is_refused_before_sending(
    line: KeystoneEmulator, client: KeystoneClient
) -> None:
    created = sum(e.count for e in line.stats.entries(method="POST"))
    with pytest.raises(ValueError, match=r"'descripton' is not a field .*did you mean"):
        client.create_cluster(name=_prefix(), descripton="a typo")
    assert sum(e.count for e in line.stats.entries(method="POST")) == created
    cluster = client.create_cluster(name=_prefix())
    with pytest.raises(ValueError, match="'colour' is not a field an update of clusters takes"):
        client.update_cluster(pk=cluster["id"], data={"colour": "blue"})
    unchecked = KeystoneClient(line.url, check_fields=False, server=client.server)
    unchecked.login(line.admin_username, line.admin_password)
    assert unchecked.create_cluster(name=_prefix(), colour="blue")["id"] > 0  # dropped, as said


def test_not_logged_in_is_an_authentication_error_on_every_release(line: KeystoneEmulator) -> None:
    _, _, status, _ = TRAITS[line.api]
    with pytest.raises(AuthenticationError) as refused:
        KeystoneClient(line.url).retrieve_cluster()
    assert refused.value.status_code == status  # 403 on 0.4 and 0.5: the same error class


def test_api_tokens_only_where_the_release_reads_them(line: KeystoneEmulator) -> None:
    tokens = TRAITS[line.api][3]
    key = "0" * 40 if line.api == "0.3.26" else line.create_token(line.admin_username)
    client = KeystoneClient(line.url, auth=StaticTokenAuth(key))
    if not tokens:
        line.stats.reset()
        with pytest.raises(UnsupportedError, match="does not take API tokens"):
            client.retrieve_cluster()
        assert line.stats.entries(path="/allocations/clusters/") == []
        return
    assert isinstance(client.retrieve_cluster(), list)
    assert client.whoami()["username"] == line.admin_username


#: What came with a later release (or left with an earlier one), and the call that needs it.
LATER: list[tuple[str, str, Any]] = [
    ("0.10.0", "atomic jobs", lambda c: c.atomic()),
    ("0.8.2", "statistics", lambda c: c.stats("requests")),
    ("0.9.5", "publishes no settings", lambda c: c.config()),
    ("0.5.6", "publishes no field choices", lambda c: c.choices("request", "status")),
    ("0.6.0", "has no comments", lambda c: c.retrieve_comment()),
    ("0.6.8", "has no notifications", lambda c: c.retrieve_notification()),
    ("0.5.0", "has no teams", lambda c: c.retrieve_team()),
    ("0.5.0", "has no team memberships", lambda c: c.retrieve_membership()),
    ("0.5.3", "has no attachments", lambda c: c.retrieve_attachment()),
]


def _before(release: str, first: str) -> bool:
    def key(text: str) -> tuple[int, ...]:
        return tuple(int(part) for part in text.split("."))

    return key(release) < key(first)


@pytest.mark.parametrize(
    ("api", "first", "says", "call"),
    [(api, *later) for api in LINES for later in LATER if _before(api, later[0])],
    ids=[f"{api}-{later[1]}" for api in LINES for later in LATER if _before(api, later[0])],
)
def test_what_the_release_lacks_is_refused_before_sending(
    api: str, first: str, says: str, call: Any
) -> None:
    """A decision on the release alone, nothing sent: a ``MockTransport`` stands for the
    server (how the client finds out the release, over the wire, is tested above; what each
    release has, the other tests use)."""
    transport = MockTransport(lambda request: Response(500))
    client = KeystoneClient("http://keystone.test", transport=transport, server=api)
    with pytest.raises(UnsupportedError, match=says) as refused:
        call(client)
    assert refused.value.server.follows == api and refused.value.request_sent is False
    assert f"Keystone {first}" in str(refused.value) or "0.10.0" in str(refused.value)
    assert transport.requests == []


def test_research_groups_or_teams_at_the_release_paths(
    line: KeystoneEmulator, client: KeystoneClient
) -> None:
    me = client.whoami()["id"]
    if line.api in ("0.3.26", "0.4.1"):
        group = client.create_research_group(name=_prefix(), pi=me)
        request = client.create_request(title="t", description="d", group=group["id"])
        assert client.retrieve_request(filters={"group": group["id"]}) == [request]
        with pytest.raises(UnsupportedError, match="use create_research_group instead"):
            client.create_team(name="x")
        return
    with pytest.raises(UnsupportedError, match="use create_team instead"):
        client.create_research_group(name="x", pi=me)
    team = client.create_team(name=_prefix())
    line.stats.reset()
    membership = client.create_membership(user=me, team=team["id"], role="OW")
    path = "users/memberships" if not _before(line.api, "0.7.4") else "users/membership"
    assert [e.path for e in line.stats.entries(method="POST")] == [f"/{path}/"]
    assert client.retrieve_membership(pk=membership["id"])["role"] == "OW"
    fields = {"title": "t", "description": "d", "team": team["id"]}
    if not _before(line.api, "0.10.0"):
        fields["submitter"] = me  # required from 0.10.0 on
    assert client.create_request(fields)["team"] == team["id"]


def test_the_lines_are_all_tested() -> None:
    assert set(TRAITS) == set(LINES)
