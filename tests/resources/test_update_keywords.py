"""``update_*`` takes the fields as keywords, as the ``data`` mapping, or both; ``create_*``
takes ``data=`` too.

Over real sockets against the session's 0.3.26 emulator (and the shared 0.10.9 line for an
atomic job's steps): what the server stored is read back. Refusals (no field, a field given
twice with two values, a mapping given twice) go through a ``MockTransport``, whose list of
requests shows that nothing was sent, not even the request that finds out the server.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from resource_helpers import unique

from keystone import KeystoneClient, Request, Response, StaticTokenAuth
from keystone.testing import KeystoneEmulator, MockTransport


@pytest.fixture(scope="module")
def cluster(admin: KeystoneClient) -> dict[str, Any]:
    return admin.create_cluster(name=unique("keywords"), description="before")


def stored(admin: KeystoneClient, pk: int) -> dict[str, Any]:
    record = admin.retrieve_cluster(pk=pk)
    assert record is not None
    return record


def test_fields_as_keywords(admin: KeystoneClient, cluster: dict[str, Any]) -> None:
    updated = admin.update_cluster(pk=cluster["id"], description="by keyword", enabled=False)
    assert (updated["description"], updated["enabled"]) == ("by keyword", False)
    assert stored(admin, cluster["id"])["description"] == "by keyword"


@pytest.mark.parametrize(
    "update",
    [
        lambda c, pk: c.update_cluster(pk=pk, data={"description": "guide"}),  # the user guide's
        lambda c, pk: c.update_cluster(pk, {"description": "guide"}),
        lambda c, pk: c.update_cluster(pk, data={"description": "guide"}),
        lambda c, pk: c.update_cluster(pk, {"description": "guide"}, 5),  # positional timeout
        lambda c, pk: c.update_cluster(pk, {"description": "guide"}, timeout=(1.0, 5.0)),
    ],
    ids=["pk-and-data-keywords", "positional", "data-keyword", "positional-timeout", "timeout"],
)
def test_the_data_mapping_as_before(
    admin: KeystoneClient,
    cluster: dict[str, Any],
    update: Callable[[KeystoneClient, int], dict[str, Any]],
) -> None:
    admin.update_cluster(cluster["id"], description="reset")
    assert update(admin, cluster["id"])["description"] == "guide"
    assert stored(admin, cluster["id"])["description"] == "guide"


def test_data_and_keywords_are_merged(admin: KeystoneClient, cluster: dict[str, Any]) -> None:
    updated = admin.update_cluster(
        cluster["id"], {"description": "merged", "enabled": True}, enabled=True, name=unique("m")
    )
    assert updated["description"] == "merged"  # from data
    assert updated["enabled"] is True  # in both, with one value: sent once
    assert updated["name"].startswith("m-")  # from the keywords
    assert stored(admin, cluster["id"])["name"] == updated["name"]


def test_create_takes_data_as_a_keyword(admin: KeystoneClient) -> None:
    name = unique("data-kw")
    created = admin.create_cluster(data={"name": name}, description="and a keyword")
    assert (created["name"], created["description"]) == (name, "and a keyword")
    assert stored(admin, created["id"])["name"] == name


def test_atomic_job_steps_take_keywords_too(
    line_emulators: Callable[[str], KeystoneEmulator],
) -> None:
    emulator = line_emulators("0.10.9")
    with KeystoneClient(emulator.url) as client:
        client.login(emulator.admin_username, emulator.admin_password)
        team = client.create_team(name=unique("job-team"))
        with client.atomic() as job:
            step = job.update_team(team["id"], is_active=False)  # the only field 0.10.9 changes
        assert (step.result.status, step.result.body["is_active"]) == (200, False)
        read = client.retrieve_team(pk=team["id"])
        assert read is not None and read["is_active"] is False
        with pytest.raises(TypeError, match="no fields to change"):
            client.atomic().update_team(team["id"])


# -- refused before anything is sent ---------------------------------------------------------


def _unanswered(request: Request) -> Response:
    raise AssertionError(f"nothing should have been sent, but {request.method} {request.url} was")


def offline(server: str | None = None) -> tuple[KeystoneClient, MockTransport]:
    """A client whose transport fails the test if asked anything; with ``server=None`` even
    finding out the release would be a request."""
    transport = MockTransport(_unanswered)
    client = KeystoneClient(
        "http://keystone.test/", auth=StaticTokenAuth("k"), server=server, transport=transport
    )
    return client, transport


def test_an_update_without_fields_is_refused() -> None:
    client, transport = offline()
    refused = r"update_cluster: no fields to change.*data="
    with pytest.raises(TypeError, match=refused):
        client.update_cluster(pk=1)
    with pytest.raises(TypeError, match=refused):
        client.update_cluster(1, {})
    with pytest.raises(TypeError, match=refused):
        client.update_cluster(pk=1, data={}, timeout=5)
    assert transport.requests == []


def test_a_field_given_twice_with_two_values_is_named_without_its_values() -> None:
    client, transport = offline()
    with pytest.raises(TypeError, match="'password' given twice with different values") as caught:
        client.update_user(1, {"password": "first-secret"}, password="second-secret")
    assert "secret" not in str(caught.value)  # a value may be a password: never in a message
    assert transport.requests == []


def test_bad_mappings_are_refused() -> None:
    client, transport = offline()
    with pytest.raises(TypeError, match=r"data must be a mapping.*description='Updated'"):
        client.update_cluster(1, [("description", "x")])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="positional mapping and as data=; give one mapping"):
        client.create_cluster({"name": "a"}, data={"description": "b"})
    with pytest.raises(TypeError, match="data must be a mapping of field values"):
        client.create_cluster(data=["name"])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="name given both"):
        client.create_cluster(data={"name": "a"}, name="b")
    assert transport.requests == []


def test_keyword_fields_are_checked_against_the_release() -> None:
    client, transport = offline(server="0.10.9")
    with pytest.raises(ValueError, match="descripton"):
        client.update_cluster(pk=1, descripton="typo")
    with pytest.raises(ValueError, match="colour"):
        client.update_cluster(1, {"description": "fine"}, colour="blue")
    assert transport.requests == []
