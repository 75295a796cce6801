"""Notifications, preferences, logs, config, the public endpoints and URL oddities (v0.10.9)."""

from __future__ import annotations

import pytest
from session_api import Session, unique

from keystone.testing import KeystoneEmulator

HTML_NOT_FOUND = b"<h1>Not Found</h1>"


def test_notifications_are_read_and_marked_only(v010: KeystoneEmulator, member: Session) -> None:
    subject = unique("notice")
    sent = v010.notify("member", subject, "Hello <you>")
    assert sent["message_html"] == "<p>Hello &lt;you&gt;</p>" and sent["read"] is False
    assert sent["notification_type"] == "GM" and sent["_user"]["username"] == "member"
    path = f"notifications/notifications/{sent['id']}/"
    marked = member.patch(path, {"read": True, "subject": "ignored"}).json()
    assert marked["read"] is True and marked["subject"] == subject
    assert member.put(path, {"read": False}).status == 405
    assert member.delete(path).status == 405
    assert member.post("notifications/notifications/", {"subject": "x"}).status == 405
    unread = member.get("stats/notifications/", subject=subject).json()
    assert unread == {"total": 1, "unread": 0}


def test_preferences_default_to_the_requesting_user(v010: KeystoneEmulator, admin: Session) -> None:
    username, password = unique("prefs"), "Prefs-pw-12345"
    user = admin.create("users/users/", {"username": username, "password": password})
    session = Session.logged_in(v010, username, password)
    created = session.create("notifications/preferences/", {})
    assert created["user"] == user["id"]
    assert created["request_expiry_thresholds"] == [30, 14]
    again = session.post("notifications/preferences/", {})
    assert again.json() == {"user": ["preference with this user already exists."]}
    someone_else = session.post("notifications/preferences/", {"user": 1})
    assert someone_else.json() == {
        "user": ["User field cannot be set to a different user than the request submitter."]
    }


def test_logs_record_the_correlation_id_and_the_audit_trail(admin: Session) -> None:
    cid = "0b7a2a4c-2f0e-4bd6-9a47-3b0a1b2c3d4e"
    admin.post("allocations/clusters/", {"name": unique("cid")}, headers={"X-KEYSTONE-CID": cid})
    logged = admin.page("logs/requests/", cid=cid)["results"]
    assert [(r["method"], r["endpoint"], r["response_code"]) for r in logged] == [
        ("POST", "/allocations/clusters/", 201)
    ]
    assert logged[0]["_user"]["username"] == "admin"
    audit = admin.page("logs/audit/", cid=cid)["results"]
    assert [(a["record_name"], a["action"]) for a in audit] == [("allocations | Cluster", "create")]
    feed = admin.page("logs/feed/", cid=cid, _order="record_type")["results"]
    assert [f["record_type"] for f in feed] == ["audit", "request"]
    assert admin.post("logs/audit/", {}).status == 405


def test_public_and_gone_endpoints(v010: KeystoneEmulator) -> None:
    anonymous = Session(v010.url)
    version = anonymous.get("version/")
    assert version.data == b"0.10.9" and version.headers["Content-Type"] == "text/plain"
    assert anonymous.get("").data == b"Keystone API Version 0.10.9"
    assert anonymous.get("health/").status == 500  # no mail server, Redis or Celery
    checks = {row["check"]: row["healthy"] for row in anonymous.get("health/json/").json()["data"]}
    assert checks == {
        "SMTP": False,
        "Database": True,
        "Storage": True,
        "Redis": False,
        "Celery": False,
    }
    assert anonymous.get("config/").status == 401
    for gone in (
        "users/researchgroups/",
        "logs/apps/",
        "authentication/new/",
        "authentication/refresh/",
    ):
        response = anonymous.get(gone)
        assert response.status == 404 and HTML_NOT_FOUND in response.data, gone


def test_config_lists_the_upload_rules(admin: Session) -> None:
    config = admin.get("config/").json()
    assert config["max_upload_size"] == 2_621_440 and config["max_upload_count"] == 15
    assert "text/csv" in config["allowed_file_types"] and config["session_age"] == 1_209_600


def test_slashless_urls_redirect_for_every_method_and_write_nothing(admin: Session) -> None:
    name = unique("slashless")
    moved = admin.post("allocations/clusters", {"name": name})
    assert moved.status == 301 and moved.headers["Location"] == "/allocations/clusters/"
    assert admin.page("allocations/clusters/", name=name)["count"] == 0
    assert admin.get("allocations/clusters", _limit="1").headers["Location"] == (
        "/allocations/clusters/?_limit=1"
    )


@pytest.mark.parametrize(
    ("path", "choices"),
    [
        (
            "allocations/request-choices/status/",
            {"PD": "Pending", "AP": "Approved", "DC": "Declined", "CR": "Changes Requested"},
        ),
        (
            "allocations/review-choices/status/",
            {"AP": "Approved", "DC": "Declined", "CR": "Changes Requested"},
        ),
        (
            "allocations/cluster-choices/access-mode/",
            {"WL": "Whitelist", "BL": "Blacklist", "OP": "Open"},
        ),
        ("users/membership-choices/role/", {"OW": "Owner", "AD": "Admin", "MB": "Member"}),
        (
            "notifications/notification-choices/type/",
            {
                "GM": "General Message",
                "RE": "Upcoming Request Expiration",
                "RD": "Request Past Expiration",
            },
        ),
    ],
)
def test_choice_endpoints(
    v010: KeystoneEmulator, admin: Session, path: str, choices: dict[str, str]
) -> None:
    assert admin.get(path).json() == choices
    assert Session(v010.url).get(path).status == 401


def test_stats_answer_the_real_fields_and_types(admin: Session) -> None:
    requests = admin.get("stats/requests/").json()
    assert isinstance(requests["request_count"], int)
    assert isinstance(requests["su_awarded_total"], float)
    assert set(requests) >= {"days_pending_average", "days_active_average", "su_finalized_total"}
    publications = admin.get("stats/publications/").json()
    assert list(publications) == [
        "publications_count",
        "draft_count",
        "submitted_count",
        "accepted_count",
        "journals_count",
        "review_average",
    ]
    bad_team = admin.get("stats/requests/", team="abc")
    assert bad_team.status == 400
    assert bad_team.json() == {
        "team": ["Select a valid choice. That choice is not one of the available choices."]
    }
    assert admin.post("stats/requests/", {}).status == 405


def test_the_task_log_is_empty_and_read_only(admin: Session) -> None:
    assert admin.page("logs/tasks/") == {"count": 0, "next": None, "previous": None, "results": []}
    assert admin.get("logs/tasks/1/").json() == {"detail": "No TaskResult matches the given query."}
    roots = admin.get("logs/").json()
    assert list(roots) == ["audit", "requests", "tasks"]
    assert roots["audit"] == f"{admin.base_url}logs/audit/"
