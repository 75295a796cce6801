"""Atomic jobs (``client.atomic()``, the server's ``batch/``) against the v0.10.9 emulator."""

from __future__ import annotations

import io
import logging
import pickle
from pathlib import Path
from typing import Any

import pytest
from resource_helpers import PASSWORD, unique

from keystone import (
    JobError,
    JobThrottledError,
    KeystoneClient,
    OutcomeUnknownError,
    Request,
    Response,
    RetryPolicy,
    ServerError,
    Step,
    UnsupportedError,
)
from keystone.testing import FakeClock, KeystoneEmulator, MockTransport, UserSpec


def test_steps_refer_to_earlier_answers_and_the_job_commits(
    admin: KeystoneClient, graph: dict[str, Any]
) -> None:
    user = admin.create_user(username=unique("owner"), password=PASSWORD)
    name = unique("chem-lab")
    with admin.atomic() as job:
        team = job.create_team(name=name)
        owner = job.create_membership(team=team["id"], user=user["id"], role="OW")
        renamed = job.update_team(team["id"], {"is_active": False})
        read = job.retrieve_team(team["id"])
    assert (
        isinstance(team, Step) and team.index == 1 and repr(team) == "<Step 1: POST /users/teams/>"
    )
    assert job.committed and [r.status for r in job.results or []] == [201, 201, 200, 200]
    assert team["id"].value == team.body["id"] == owner.body["team"]
    assert renamed.body["is_active"] is False and read.body["name"] == name
    stored = admin.retrieve_team(pk=team["id"].value)
    assert stored is not None and stored["is_active"] is False
    assert [m["role"] for m in admin.retrieve_membership(filters={"team": stored["id"]})] == ["OW"]


def test_create_steps_take_data_as_the_clients_create_does(admin: KeystoneClient) -> None:
    name = unique("data-team")
    with admin.atomic() as job:
        team = job.create_team(data={"name": name}, is_active=False)
    assert job.committed and team.body["name"] == name and team.body["is_active"] is False
    with pytest.raises(TypeError, match=r"create_team: .*positional mapping and as data="):
        admin.atomic().create_team({"name": "a"}, data={"name": "b"})


def test_files_go_with_the_job(
    admin: KeystoneClient, graph: dict[str, Any], tmp_path: Path
) -> None:
    path = tmp_path / "plan.pdf"
    path.write_bytes(b"%PDF-1.4 plan")
    with admin.atomic() as job:
        first = job.create_attachment(request=graph["request"]["id"], file=("budget.csv", b"a,b"))
        second = job.create_attachment(request=graph["request"]["id"], file=path, name="The plan")
        with open(path, "rb") as opened:
            third = job.create_attachment(request=graph["request"]["id"], file=opened)
    assert first.body["name"] == "budget.csv" and second.body["name"] == "The plan"
    assert third.body["file"].startswith("allocations/plan") and third.body["file"].endswith(".pdf")
    assert admin.retrieve_attachment(pk=second.body["id"]) == second.body


def test_a_failing_step_rolls_everything_back_and_names_itself(admin: KeystoneClient) -> None:
    name = unique("rolled-back")
    job = admin.atomic()
    job.create_team(name=name)
    job.create_grant(title="no agency, no team")
    with pytest.raises(JobError) as caught:
        job.run()
    error = caught.value
    assert (error.step, error.method, error.path, error.status) == (
        2,
        "POST",
        "/research/grants/",
        400,
    )
    assert error.errors["team"] == ["This field is required."]
    assert "failed at step 2 of 2 (POST /research/grants/) with 400 Bad Request" in str(error)
    assert "Nothing was committed" in str(error) and error.committed is False
    assert admin.retrieve_team(filters={"name": name}) == []  # the first step was undone
    assert job.results is None
    assert pickle.loads(pickle.dumps(error)).step == 2


def test_a_dry_run_validates_and_keeps_nothing(admin: KeystoneClient) -> None:
    name = unique("dry")
    with admin.atomic(dry_run=True) as job:
        team = job.create_team(name=name)
    assert team.body["name"] == name and job.committed is False
    assert admin.retrieve_team(filters={"name": name}) == []


def test_an_exception_in_the_block_sends_nothing(
    admin: KeystoneClient, emulator: KeystoneEmulator
) -> None:
    emulator.stats.reset()
    with pytest.raises(RuntimeError, match="changed my mind"), admin.atomic() as job:
        job.create_team(name=unique("never"))
        raise RuntimeError("changed my mind")
    assert emulator.stats.total == 0 and job.results is None


def test_bad_steps_are_refused_before_anything_is_sent(
    admin: KeystoneClient, emulator: KeystoneEmulator
) -> None:
    other = admin.atomic()
    foreign = other.create_team(name="elsewhere")
    emulator.stats.reset()
    job = admin.atomic()
    with pytest.raises(UnsupportedError, match=r"no research groups \(.*\); use create_team"):
        job.create_research_group(name="x")
    with pytest.raises(ValueError, match="pk must be a positive integer"):
        job.update_team("1/../users", {})
    with pytest.raises(TypeError, match="not the step"):
        job.update_team(foreign, {})
    with pytest.raises(ValueError, match="another job"):
        job.create_membership(team=foreign["id"], user=1, role="OW")
    with pytest.raises(TypeError, match="whole answer"):
        job.create_membership(team=foreign, user=1, role="OW")
    with pytest.raises(ValueError, match="has no name"):
        job.create_attachment(request=1, file=io.BytesIO(b"x"))
    with pytest.raises(ValueError, match="did you mean 'name'"):
        job.retrieve_team(1, filters={"nmae": "x"})
    with pytest.raises(TypeError, match="mapping of field values, not str"):
        job.create_team("chem")
    with pytest.raises(TypeError, match="name given both"):
        job.create_team({"name": "a"}, name="b")
    with pytest.raises(ValueError, match="fills in only in a step's path and payload"):
        job.retrieve_team(None, filters={"id": job.create_team(name=unique("q"))["id"]})
    with pytest.raises(ValueError, match="split="):
        admin.atomic(split=0)
    assert emulator.stats.total == 0


def test_a_job_without_steps_sends_nothing(
    admin: KeystoneClient, emulator: KeystoneEmulator
) -> None:
    admin.server  # noqa: B018 (found out before counting)
    emulator.stats.reset()
    with admin.atomic() as job:
        for name in []:  # a loop over nothing
            job.create_team(name=name)
    assert job.results == [] and not job.committed
    assert emulator.stats.total == 0


def test_split_sends_parts_each_atomic_on_its_own(
    admin: KeystoneClient, emulator: KeystoneEmulator
) -> None:
    names = [unique("part") for _ in range(5)]
    job = admin.atomic(split=2)
    for name in names:
        job.create_team(name=name)
    emulator.stats.reset()
    results = job.run()
    assert [r.index for r in results] == [1, 2, 3, 4, 5]
    assert emulator.stats.count(method="POST", path="/batch/") == 3
    dependent = admin.atomic(split=1)
    team = dependent.create_team(name=unique("split"))
    dependent.update_team(team["id"], {"is_active": False})
    with pytest.raises(ValueError, match="refer to"):
        dependent.run()
    failing = admin.atomic(split=2)
    for name in (unique("kept"), unique("kept"), None):
        failing.create_team(name=name)
    with pytest.raises(JobError, match=r"step 3 of 3 \(step 1 of 1 in this part\)") as caught:
        failing.run()
    assert len(caught.value.results) == 2  # the first part was committed: said on the error
    assert "Nothing of this part (steps 3 to 3) was committed; the 2 steps" in str(caught.value)


def test_a_part_that_fails_leaves_the_parts_before_it_and_run_again_sends_only_the_rest(
    emulator: KeystoneEmulator,
) -> None:
    batches = []

    def second_batch_fails(request: Request, call_next: Any) -> Response:
        if request.url.rstrip("/").endswith("batch"):  # the endpoint, as the call gave it
            batches.append(request.method)
            if len(batches) == 2:  # as a proxy in front of the server might answer
                return Response(500, json={"detail": "A server error occurred."}, request=request)
        return call_next(request)

    client = KeystoneClient(emulator.url, middleware=[second_batch_fails])
    client.login(emulator.admin_username, emulator.admin_password)
    names = [unique("resumed") for _ in range(4)]
    job = client.atomic(split=2)
    for name in names:
        job.create_team(name=name)
    with pytest.raises(ServerError) as caught:
        job.run()
    assert [r.index for r in job.done] == [1, 2] and job.results is None
    assert "the 2 steps before it were, in earlier parts (job.done)" in str(
        getattr(caught.value, "__notes__", [""])
    )
    results = job.run()  # only the part that failed goes again
    assert [r.index for r in results] == [1, 2, 3, 4] and job.committed
    assert len(batches) == 3
    for name in names:
        assert len(client.retrieve_team(filters={"name": name})) == 1  # each once


def test_references_and_values_that_cannot_be_sent_are_refused_when_the_step_is_made(
    admin: KeystoneClient, emulator: KeystoneEmulator
) -> None:
    other = admin.atomic()
    foreign = other.retrieve_team(None, filters={"name": "x"})
    job = admin.atomic()
    with pytest.raises(ValueError, match="pk refers to a step of another job"):
        job.update_team(foreign["id"], {"is_active": False})
    with pytest.raises(ValueError, match="pk refers to a step of another job"):
        job.delete_team(foreign["id"])
    mine = job.create_team(name=unique("refs"))
    with pytest.raises(ValueError, match="count list items from 0"):
        job.update_team(mine["id"], {"name": mine["_history"][-1]["id"]})
    with pytest.raises(TypeError, match="is a set"):
        job.add("POST", "users/teams/", {"name": "x", "tags": {1, 2}})


def test_list_filters_in_a_step_are_sent_as_a_call_would_send_them(
    admin: KeystoneClient,
) -> None:
    teams = [admin.create_team(name=unique("listed")) for _ in range(3)]
    wanted = sorted(t["id"] for t in teams[:2])
    with admin.atomic() as job:
        found = job.retrieve_team(None, filters={"id__in": wanted})
    assert sorted(t["id"] for t in found.body["results"]) == wanted
    assert sorted(t["id"] for t in admin.retrieve_team(filters={"id__in": wanted})) == wanted


def test_a_dropped_connection_after_sending_is_an_unknown_outcome_never_a_resend(
    admin: KeystoneClient, emulator: KeystoneEmulator
) -> None:
    name = unique("maybe")
    emulator.faults.drop_after_processing(method="POST", path="/batch/")
    emulator.stats.reset()
    with (
        pytest.raises(OutcomeUnknownError, match="may or may not have processed it"),
        admin.atomic() as job,
    ):
        job.create_team(name=name)
    assert emulator.stats.count(method="POST", path="/batch/") == 1
    assert len(admin.retrieve_team(filters={"name": name})) == 1  # it did run, once


def test_a_throttled_step_is_a_throttle_retried_after_the_wait() -> None:
    """Every step counts against the user's rate: step 12 of 15 is throttled at 12/min."""
    auditor = UserSpec("auditor", "Auditor-pw-123", is_staff=True)  # a rate of their own
    with KeystoneEmulator(api="0.10.9", user_throttle="12/min", users=[auditor]) as emulator:
        once = KeystoneClient(emulator.url, retry=RetryPolicy.disabled())
        once.login(emulator.admin_username, emulator.admin_password)  # 1 of the 12
        job = once.atomic()
        for _ in range(15):
            job.create_team(name=unique("many"))
        with pytest.raises(JobThrottledError) as caught:
            job.run()  # the job is 1 more, and each step: step 11 is the 13th request
        error = caught.value
        assert (error.status, error.attempts) == (429, 1) and error.step is not None
        assert error.retry_after is not None and 0 < error.retry_after <= 60
        assert f"failed at step {error.step} of 15 (POST /users/teams/) with 429" in str(error)
        assert "safe to send again after" in str(error)

        clock = FakeClock()  # the retries' waits pass at once; the server's minute does not
        patient = RetryPolicy(max_retry_after=120, deadline=600)
        client = KeystoneClient(
            emulator.url, clock=clock, retry=patient, auth=once.auth, server="0.4+"
        )
        again = client.atomic()
        for _ in range(3):
            again.create_team(name=unique("many"))
        with pytest.raises(JobThrottledError) as caught:
            again.run()
        # Sent again after each wait (the server's minute does not pass on the fake clock),
        # for as long as the call may wait for throttles: 120 s in all.
        assert caught.value.attempts == len(clock.sleeps) + 1 >= 2
        assert all(0 < wait <= 60 for wait in clock.sleeps) and sum(clock.sleeps) <= 120
        assert "The job was not run. Nothing was committed." in str(caught.value)
        assert "longer than the call may wait for throttles (120 s in all" in str(caught.value)
        reader = KeystoneClient(emulator.url)
        reader.login(auditor.username, auditor.password)
        assert reader.retrieve_team(filters={"name__startswith": "many"}) == []  # rolled back


def test_servers_without_atomic_jobs_are_refused_before_any_request() -> None:
    """Refused on the release alone: a ``MockTransport`` stands for the server."""
    transport = MockTransport(lambda request: Response(500))
    client = KeystoneClient("http://keystone.test", transport=transport, server="0.3")
    with pytest.raises(UnsupportedError, match="no atomic jobs"):
        client.atomic()
    assert transport.requests == []


def test_job_payloads_are_redacted_in_logs(
    admin: KeystoneClient, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "Sup3r-secret-" + unique("pw")
    with caplog.at_level(logging.DEBUG, logger="keystone.wire"), admin.atomic(dry_run=True) as job:
        job.create_user(username=unique("logged"), password=secret)
    assert "batch/" in caplog.text and secret not in caplog.text
