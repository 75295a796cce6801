"""``batch/`` on the v0.10.9 profile: references, files, dry runs, rollback, throttling."""

from __future__ import annotations

import json
from typing import Any

from session_api import API, CSRF_MISSING, Session, multipart, unique

from keystone.testing import KeystoneEmulator


def _job(*actions: dict[str, Any], dry_run: bool | None = None) -> dict[str, Any]:
    job: dict[str, Any] = {"actions": list(actions)}
    if dry_run is not None:
        job["dry_run"] = dry_run
    return {"job": job}


def test_steps_run_in_order_and_refer_to_earlier_answers(admin: Session) -> None:
    name = unique("batch-team")
    response = admin.post(
        "batch/",
        _job(
            {"ref": "team", "method": "POST", "path": "/users/teams/", "payload": {"name": name}},
            {
                "method": "POST",
                "path": "/research/grants/",
                "payload": {
                    "title": "Grant for @ref{team.name}",
                    "agency": "NSF",
                    "amount": "1.00",
                    "start_date": "2025-01-01",
                    "team": "@ref{team.id}",
                },
            },
            {"method": "GET", "path": "/users/teams/@ref{team.id}/"},
        ),
    )
    assert response.status == 200, response.data
    results = response.json()["results"]
    assert [(r["index"], r["ref"], r["status"]) for r in results] == [
        (1, "team", 201),
        (2, "", 201),
        (3, "", 200),
    ]
    team_id = results[0]["body"]["id"]
    assert results[1]["body"]["title"] == f"Grant for {name}"
    assert results[1]["body"]["team"] == team_id  # a whole-string reference keeps its type
    assert results[2]["path"] == f"/users/teams/{team_id}/"


def test_a_failing_step_rolls_the_whole_job_back(admin: Session) -> None:
    name = unique("rollback")
    response = admin.post(
        "batch/",
        _job(
            {"method": "POST", "path": "/allocations/clusters/", "payload": {"name": name}},
            {"method": "POST", "path": "/allocations/clusters/", "payload": {"description": "x"}},
        ),
    )
    assert response.status == 422
    assert response.json() == {
        "detail": "Step #2 (POST /allocations/clusters/) failed with status 400",
        "step": 2,
        "status": 400,
        "body": {"name": ["This field is required."]},
    }
    assert admin.page("allocations/clusters/", name=name)["count"] == 0


def test_the_first_record_of_a_kind_rolled_back_leaves_later_ones_writable(
    keystone_emulator_factory: Any,
) -> None:
    """The first team a fresh server ever stores is in a job that fails: teams still work."""
    emulator: KeystoneEmulator = keystone_emulator_factory(api=API)
    session = Session.admin(emulator)
    response = session.post(
        "batch/",
        _job(
            {"method": "POST", "path": "/users/teams/", "payload": {"name": unique("first")}},
            {"method": "POST", "path": "/users/teams/", "payload": {}},
        ),
    )
    assert response.status == 422
    assert session.post("users/teams/", {"name": unique("after")}).status == 201
    audit = session.page("logs/audit/")["results"]
    assert [entry["action"] for entry in audit[:1]] == ["create"]  # the later create, audited


def test_a_dry_run_answers_every_step_and_keeps_nothing(admin: Session) -> None:
    name = unique("dry")
    response = admin.post(
        "batch/",
        _job(
            {
                "ref": "c",
                "method": "POST",
                "path": "/allocations/clusters/",
                "payload": {"name": name},
            },
            {
                "method": "PATCH",
                "path": "/allocations/clusters/@ref{c.id}/",
                "payload": {"description": "d"},
            },
            dry_run=True,
        ),
    )
    assert [r["status"] for r in response.json()["results"]] == [201, 200]
    assert admin.page("allocations/clusters/", name=name)["count"] == 0


def test_job_errors(admin: Session) -> None:
    unresolved = admin.post(
        "batch/", _job({"method": "GET", "path": "/users/teams/@ref{missing.id}/"})
    )
    assert unresolved.status == 422
    assert unresolved.json() == {
        "detail": 'Cannot resolve reference "@ref{missing.id}": Alias "missing" has not been '
        "defined by a previous step",
        "token": "@ref{missing.id}",
    }
    slashless = admin.post("batch/", _job({"method": "GET", "path": "/allocations/clusters"}))
    assert slashless.json()["body"] == {"detail": "No route matched: /allocations/clusters"}
    assert admin.post("batch/", _job()).json() == {
        "actions": {"non_field_errors": ["This list may not be empty."]}
    }
    invalid = admin.post("batch/", _job({"method": "FETCH", "path": "/x/"}, {"path": "/y/"}))
    assert invalid.json() == {
        "actions": [
            {"method": ['"FETCH" is not a valid choice.']},
            {"method": ["This field is required."]},
        ]
    }
    assert admin.post("batch/", {"actions": []}).json() == {
        "non_field_errors": ["No data provided"]
    }
    assert admin.post("batch/", _job(), csrf=False).json() == CSRF_MISSING
    assert admin.get("batch/").status == 405


def test_files_go_as_multipart_parts(admin: Session, team: dict[str, Any]) -> None:
    job = _job(
        {
            "method": "POST",
            "path": "/allocations/attachments/",
            "payload": {"request": str(team["request"]["id"]), "file": "@file{upload}"},
        }
    )
    body, content_type = multipart(
        {"job": json.dumps(job["job"])}, {"upload": ("batch.txt", b"hi", "text/plain")}
    )
    response = admin.post("batch/", raw=body, headers={"Content-Type": content_type})
    assert response.status == 200, response.data
    [result] = response.json()["results"]
    assert result["status"] == 201 and result["body"]["file"].startswith("allocations/batch")
    body, content_type = multipart({"job": "{not json"}, {})
    broken = admin.post("batch/", raw=body, headers={"Content-Type": content_type})
    assert broken.json() == {"detail": "The `job` field is not valid JSON."}


def test_every_step_counts_against_the_users_throttle(
    keystone_emulator_factory: Any,
) -> None:
    emulator: KeystoneEmulator = keystone_emulator_factory(
        api=API, user_throttle="5/min", anon_throttle=None
    )
    session = Session.admin(emulator)
    steps = [{"method": "GET", "path": "/version/"}] * 3
    first = session.post("batch/", _job(*steps))
    assert first.status == 200  # the job and its three steps: 4 of the 5 allowed
    second = session.post("batch/", _job(*steps))
    assert second.status == 422  # the job itself is the 5th; its first step is throttled
    assert second.json()["step"] == 1 and second.json()["status"] == 429
    third = session.get("authentication/whoami/")
    assert third.status == 429 and third.headers["Retry-After"] == "60"
    assert third.json() == {"detail": "Request was throttled. Expected available in 60 seconds."}
