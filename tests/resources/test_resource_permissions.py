"""A non-staff account gets PermissionDeniedError where the server refuses it."""

from __future__ import annotations

from typing import Any

import pytest
from resource_helpers import unique

from keystone import KeystoneClient, PermissionDeniedError
from keystone.testing import KeystoneEmulator


def test_non_staff_can_read_clusters_but_not_change_them(
    admin: KeystoneClient, member: KeystoneClient, graph: dict[str, Any]
) -> None:
    cluster = graph["cluster"]
    assert member.retrieve_cluster(pk=cluster["id"]) == admin.retrieve_cluster(pk=cluster["id"])
    with pytest.raises(PermissionDeniedError) as caught:
        member.create_cluster(name=unique("nope"))
    assert "You do not have permission to perform this action." in str(caught.value)
    with pytest.raises(PermissionDeniedError):
        member.update_cluster(cluster["id"], {"description": "mine now"})
    with pytest.raises(PermissionDeniedError):
        member.delete_cluster(cluster["id"])
    with pytest.raises(PermissionDeniedError):
        member.delete_cluster(cluster["id"], raise_not_exists=True)
    assert admin.retrieve_cluster(pk=cluster["id"]) == cluster


def test_non_staff_cannot_manage_other_users(member: KeystoneClient, graph: dict[str, Any]) -> None:
    with pytest.raises(PermissionDeniedError):
        member.create_user(username=unique("x"), password="Sup3r-secret-pw")
    with pytest.raises(PermissionDeniedError):
        member.update_user(graph["user"]["id"], {"first_name": "Mallory"})
    with pytest.raises(PermissionDeniedError):
        member.delete_user(graph["user"]["id"])


def test_non_staff_may_update_themself(member: KeystoneClient, emulator: KeystoneEmulator) -> None:
    (me,) = member.retrieve_user(filters={"username": "member"})
    assert member.update_user(me["id"], {"last_name": "Changed"})["last_name"] == "Changed"


def test_non_staff_cannot_write_another_groups_records(
    member: KeystoneClient, graph: dict[str, Any]
) -> None:
    group = graph["research_group"]["id"]
    with pytest.raises(PermissionDeniedError):
        member.create_request(title="t", description="d", group=group)
    with pytest.raises(PermissionDeniedError):
        member.create_allocation(
            requested=1, cluster=graph["cluster"]["id"], request=graph["request"]["id"]
        )
    with pytest.raises(PermissionDeniedError):
        member.update_research_group(group, {"name": "taken over"})


@pytest.mark.parametrize("name", ["app_log", "request_log", "task_result"])
def test_logs_are_staff_only(member: KeystoneClient, name: str) -> None:
    with pytest.raises(PermissionDeniedError):
        getattr(member, f"retrieve_{name}")()
    with pytest.raises(PermissionDeniedError):
        next(getattr(member, f"iter_{name}")())
