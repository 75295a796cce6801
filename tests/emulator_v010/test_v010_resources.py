"""The record endpoints of the v0.10.9 profile: shapes, validation, permissions and oddities."""

from __future__ import annotations

from typing import Any

from session_api import (
    OUTSIDER,
    PERMISSION_DENIED,
    Session,
    multipart,
    unique,
)

from keystone.testing import KeystoneEmulator

HTML_NOT_FOUND = b"<h1>Not Found</h1>"
HTML_SERVER_ERROR = b"<h1>Server Error (500)</h1>"


def test_cluster_crud_answers_with_nested_copies_and_history(admin: Session) -> None:
    team = admin.create("users/teams/", {"name": unique("wl-team")})
    cluster = admin.create(
        "allocations/clusters/",
        {"name": unique("c"), "access_mode": "WL", "access_teams": [team["id"]]},
    )
    assert list(cluster) == [
        "id",
        "_access_teams",
        "_history",
        "name",
        "description",
        "enabled",
        "access_mode",
        "access_teams",
    ]
    assert cluster["_access_teams"][0] == {
        "id": team["id"],
        "slug": team["slug"],
        "name": team["name"],
        "is_active": True,
    }
    assert [entry["action"] for entry in cluster["_history"]] == ["create"]
    patched = admin.patch(f"allocations/clusters/{cluster['id']}/", {"description": "x"}).json()
    assert [entry["action"] for entry in patched["_history"]] == ["update", "create"]
    assert patched["_history"][0]["changes"] == {"description": ["None", "x"]}
    assert patched["_history"][0]["_actor"]["username"] == "admin"
    assert admin.delete(f"allocations/clusters/{cluster['id']}/").status == 204
    missing = admin.get(f"allocations/clusters/{cluster['id']}/")
    assert missing.json() == {"detail": "No Cluster matches the given query."}
    assert admin.get("allocations/cluster-choices/access-mode/").json() == {
        "WL": "Whitelist",
        "BL": "Blacklist",
        "OP": "Open",
    }


def test_validation_errors_are_drfs(admin: Session) -> None:
    response = admin.post(
        "allocations/clusters/", {"name": unique("bad"), "access_mode": "ZZ", "enabled": "maybe"}
    )
    assert response.status == 400
    assert response.json() == {
        "enabled": ["Must be a valid boolean."],
        "access_mode": ['"ZZ" is not a valid choice.'],
    }
    listed = admin.post(
        "allocations/clusters/", raw=b'["a"]', headers={"Content-Type": "application/json"}
    )
    assert listed.json() == {
        "non_field_errors": ["Invalid data. Expected a dictionary, but got list."]
    }
    text = admin.post("allocations/clusters/", raw=b"x", headers={"Content-Type": "text/plain"})
    assert text.status == 415


def test_teams_slugs_memberships_and_roles(admin: Session, team: dict[str, Any]) -> None:
    assert team["slug"] == team["name"].lower()
    clash = admin.post("users/teams/", {"name": team["name"].upper().replace("-", " ")})
    assert clash.json() == {"name": ["A team with this name already exists."]}
    renamed = admin.patch(f"users/teams/{team['id']}/", {"name": unique("renamed")}).json()
    assert renamed["name"] == team["name"]  # updates cannot rename a team, silently
    duplicate = admin.post(
        "users/memberships/", {"user": team["member_id"], "team": team["id"], "role": "MB"}
    )
    assert duplicate.json() == {
        "non_field_errors": ["The fields user, team must make a unique set."]
    }
    detail = admin.get(f"users/teams/{team['id']}/").json()
    assert [(m["user"], m["role"]) for m in detail["_membership"]] == [(team["member_id"], "AD")]
    assert admin.get("users/membership-choices/role/").json() == {
        "OW": "Owner",
        "AD": "Admin",
        "MB": "Member",
    }


def test_deleting_a_team_deletes_its_requests(admin: Session, team: dict[str, Any]) -> None:
    request_id = team["request"]["id"]
    assert admin.delete(f"users/teams/{team['id']}/").status == 204
    gone = admin.get(f"allocations/requests/{request_id}/")
    assert gone.json() == {"detail": "No AllocationRequest matches the given query."}


def test_protected_deletes_answer_the_servers_html_500(
    admin: Session, team: dict[str, Any]
) -> None:
    cluster = admin.create("allocations/clusters/", {"name": unique("p")})
    admin.create(
        "allocations/allocations/",
        {"requested": 5, "cluster": cluster["id"], "request": team["request"]["id"]},
    )
    refused = admin.delete(f"allocations/clusters/{cluster['id']}/")
    assert refused.status == 500 and HTML_SERVER_ERROR in refused.data
    assert admin.get(f"allocations/clusters/{cluster['id']}/").status == 200
    submitter = admin.delete(f"users/users/{team['member_id']}/")
    assert submitter.status == 500


def test_requests_embed_their_links_and_only_staff_see_private_comments(
    admin: Session, member: Session, team: dict[str, Any]
) -> None:
    request_id = team["request"]["id"]
    admin.create("allocations/comments/", {"request": request_id, "content": "public"})
    admin.create(
        "allocations/comments/", {"request": request_id, "content": "hush", "private": True}
    )
    seen_by_staff = admin.get(f"allocations/requests/{request_id}/").json()
    assert [c["content"] for c in seen_by_staff["_comments"]] == ["public", "hush"]
    seen_by_member = member.get(f"allocations/requests/{request_id}/").json()
    assert [c["content"] for c in seen_by_member["_comments"]] == ["public"]
    for key in ("_submitter", "_team", "_assignees", "_publications", "_grants", "_history"):
        assert key in seen_by_member
    private = member.post(
        "allocations/comments/", {"request": request_id, "content": "x", "private": True}
    )
    assert private.json() == {"private": ["Only staff users can write comments marked as private."]}


def test_non_staff_permissions(
    v010: KeystoneEmulator, member: Session, team: dict[str, Any]
) -> None:
    assert member.post("allocations/clusters/", {"name": unique("n")}).json() == PERMISSION_DENIED
    outsider = Session.logged_in(v010, OUTSIDER.username, OUTSIDER.password)
    other_team = f"allocations/requests/{team['request']['id']}/"
    assert outsider.get(other_team).status == 403  # not listed, and refused in detail
    assert team["request"]["id"] not in outsider.ids("allocations/requests/")
    review = member.post("allocations/reviews/", {"request": team["request"]["id"], "status": "AP"})
    assert review.status == 403
    assert member.get("logs/requests/").json() == PERMISSION_DENIED


def test_reviews_default_their_reviewer(admin: Session, team: dict[str, Any]) -> None:
    review = admin.create(
        "allocations/reviews/", {"request": team["request"]["id"], "status": "AP"}
    )
    assert review["_reviewer"]["username"] == "admin"
    other = admin.post(
        "allocations/reviews/",
        {"request": team["request"]["id"], "status": "AP", "reviewer": team["member_id"]},
    )
    assert other.json() == {
        "reviewer": ["Reviewer cannot be set to a different user than the submitter."]
    }


def test_attachments_are_judged_by_extension_and_answered_as_storage_paths(
    admin: Session, team: dict[str, Any]
) -> None:
    request_id = str(team["request"]["id"])
    body, content_type = multipart(
        {"request": request_id}, {"file": ("notes.txt", b"hello", "application/octet-stream")}
    )
    created = admin.post(
        "allocations/attachments/", raw=body, headers={"Content-Type": content_type}
    )
    assert created.status == 201, created.data
    record = created.json()
    assert record["file"].startswith("allocations/notes") and record["name"] == "notes.txt"
    assert admin.get(f"media/{record['file']}").status == 404  # no download endpoint
    for filename, message in (
        ("tool.exe", "File type 'application/x-msdos-program' is not allowed."),
        ("noextension", "File type could not be resolved."),
    ):
        body, content_type = multipart(
            {"request": request_id}, {"file": (filename, b"MZ", "text/plain")}
        )
        refused = admin.post(
            "allocations/attachments/", raw=body, headers={"Content-Type": content_type}
        )
        assert refused.status == 400 and refused.json() == {"file": [message]}
    big, content_type = multipart(
        {"request": request_id}, {"file": ("big.txt", b"x" * (2_621_440 + 1), "text/plain")}
    )
    too_big = admin.post(
        "allocations/attachments/", raw=big, headers={"Content-Type": content_type}
    )
    assert too_big.json() == {"file": ["File size should not exceed 2.50 MB."]}
    no_file = admin.post("allocations/attachments/", {"request": request_id})
    assert no_file.json() == {"file": ["No file was submitted."]}


def test_search_fails_where_the_real_server_fails(admin: Session) -> None:
    broken = ("allocations/reviews/", "allocations/attachments/", "logs/audit/")
    for collection in (*broken, "notifications/notifications/"):
        response = admin.get(collection, _search="x")
        assert response.status == 500 and HTML_SERVER_ERROR in response.data
    assert admin.get("allocations/clusters/", _search="x").status == 200


def test_grants_and_publications_belong_to_a_team(
    admin: Session, member: Session, team: dict[str, Any]
) -> None:
    grant = member.create(
        "research/grants/",
        {
            "title": "g",
            "agency": "NSF",
            "amount": "10.00",
            "start_date": "2025-01-01",
            "team": team["id"],
        },
    )
    assert grant["_team"]["id"] == team["id"]
    bad = admin.post(
        "research/grants/",
        {
            "title": "g",
            "agency": "NSF",
            "amount": "1.234",
            "start_date": "2025-02-30",
            "team": team["id"],
        },
    )
    assert bad.json() == {
        "amount": ["Ensure that there are no more than 2 decimal places."],
        "start_date": ["Date has wrong format. Use one of these formats instead: YYYY-MM-DD."],
    }
    draft = member.create("research/publications/", {"title": unique("paper"), "team": team["id"]})
    assert draft["published"] is None and draft["doi"] is None
    stats = admin.get("stats/grants/", team=team["id"]).json()
    assert stats["grant_count"] == 1 and stats["funding_total"] == "10.00"


def test_a_requests_nested_grants_are_listed_by_title(admin: Session, team: dict[str, Any]) -> None:
    grants = [
        admin.create(
            "research/grants/",
            {"title": title, "agency": "NSF", "amount": "1.00", "start_date": "2025-01-01"}
            | {"team": team["id"]},
        )["id"]
        for title in ("b-grant", "a-grant")
    ]
    path = f"allocations/requests/{team['request']['id']}/"
    assert admin.patch(path, {"grants": grants}).json()["grants"] == grants
    fetched = admin.get(path).json()
    assert [grant["title"] for grant in fetched["_grants"]] == ["a-grant", "b-grant"]
