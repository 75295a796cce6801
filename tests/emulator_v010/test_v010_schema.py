"""Every record the v0.10.9 profile answers has the fields of the real server's OpenAPI schema.

The schema (``specs/keystone-0.10.9-openapi.json``, converted from the real
server's YAML) lists each response component's properties in the order the server writes
them; the emulator's records must have exactly those keys, in that order.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from session_api import Session, multipart, unique

from keystone.testing import KeystoneEmulator

SPEC = Path(__file__).resolve().parents[2] / "specs" / "keystone-0.10.9-openapi.json"


def properties(component: str) -> list[str]:
    schemas = json.loads(SPEC.read_text("utf-8"))["components"]["schemas"]
    return list(schemas[component]["properties"])


@pytest.fixture(scope="module")
def records(v010: KeystoneEmulator, admin: Session) -> dict[str, dict[str, Any]]:
    """One record of every kind, as the emulator answers it."""
    team = admin.create("users/teams/", {"name": unique("schema")})
    user = admin.create("users/users/", {"username": unique("schema"), "password": "Schema-pw-123"})
    membership = admin.create(
        "users/memberships/", {"user": user["id"], "team": team["id"], "role": "MB"}
    )
    cluster = admin.create("allocations/clusters/", {"name": unique("schema")})
    request = admin.create(
        "allocations/requests/",
        {"title": "t", "description": "d", "submitter": user["id"], "team": team["id"]},
    )
    body, content_type = multipart(
        {"request": str(request["id"])}, {"file": ("schema.txt", b"x", "text/plain")}
    )
    attachment = admin.post(
        "allocations/attachments/", raw=body, headers={"Content-Type": content_type}
    ).json()
    v010.notify(user["username"], "schema")
    return {
        "Team": team,
        "PrivilegedUser": user,
        "Membership": membership,
        "Cluster": cluster,
        "AllocationRequest": admin.get(f"allocations/requests/{request['id']}/").json(),
        "ResourceAllocation": admin.create(
            "allocations/allocations/",
            {"requested": 1, "cluster": cluster["id"], "request": request["id"]},
        ),
        "AllocationReview": admin.create(
            "allocations/reviews/", {"request": request["id"], "status": "AP"}
        ),
        "Comment": admin.create(
            "allocations/comments/", {"request": request["id"], "content": "c"}
        ),
        "Attachment": attachment,
        "Grant": admin.create(
            "research/grants/",
            {"title": "g", "agency": "a", "amount": "1", "start_date": "2025-01-01"}
            | {"team": team["id"]},
        ),
        "Publication": admin.create("research/publications/", {"title": "p", "team": team["id"]}),
        "Preference": admin.create("notifications/preferences/", {"user": user["id"]}),
        "Notification": admin.page("notifications/notifications/", user=user["id"])["results"][0],
        "AuditLog": admin.page("logs/audit/", _limit=1)["results"][0],
        "RequestLog": admin.page("logs/requests/", _limit=1)["results"][0],
        "FeedEntry": admin.page("logs/feed/", _limit=1)["results"][0],
        "Config": admin.get("config/").json(),
        "AllocationRequestStats": admin.get("stats/requests/").json(),
        "GrantStats": admin.get("stats/grants/").json(),
        "PublicationStats": admin.get("stats/publications/").json(),
        "NotificationStats": admin.get("stats/notifications/").json(),
    }


COMPONENTS = [
    "Team",
    "Membership",
    "Cluster",
    "AllocationRequest",
    "ResourceAllocation",
    "AllocationReview",
    "Comment",
    "Attachment",
    "Grant",
    "Publication",
    "Preference",
    "Notification",
    "AuditLog",
    "RequestLog",
    "FeedEntry",
    "Config",
    "AllocationRequestStats",
    "GrantStats",
    "PublicationStats",
    "NotificationStats",
]


@pytest.mark.parametrize("component", COMPONENTS)
def test_records_have_the_schemas_fields_in_order(
    records: dict[str, dict[str, Any]], component: str
) -> None:
    assert list(records[component]) == properties(component)


def test_users_have_the_schemas_fields_in_order(records: dict[str, dict[str, Any]]) -> None:
    """Staff and everyone else see the same fields (only which ones they may write differs)."""
    assert list(records["PrivilegedUser"]) == properties("RestrictedUser")
