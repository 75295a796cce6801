"""A resource method meeting an answer that is not the API's says so, with one error type.

``UnexpectedResponseError`` is what a user catches for "the server answered something that is
not the Keystone API": an HTML page with a 200, a redirect, a body of the wrong shape.
"""

from __future__ import annotations

import pytest
from local_server import Canned, LocalServer, Received

import keystone
from keystone import KeystoneClient, UnexpectedResponseError

CLUSTERS = "/allocations/clusters/"


def test_a_login_page_with_200_is_an_unexpected_response(local_server: LocalServer) -> None:
    local_server.route("GET", CLUSTERS, Canned(200, "<html><form>Sign in</form></html>"))
    client = KeystoneClient(local_server.url)
    with pytest.raises(UnexpectedResponseError) as info:
        client.retrieve_cluster()
    message = str(info.value)
    assert "text/html" in message and "Sign in" in message and "API root" in message
    assert isinstance(info.value, keystone.ResponseDecodeError)  # and still a JSONDecodeError
    with pytest.raises(UnexpectedResponseError):
        client.http_get("allocations/clusters").json()


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_names_its_target_redacted(local_server: LocalServer, status: int) -> None:
    location = "https://admin:hunter2@keystone.example.org/allocations/clusters/?token=abc"
    local_server.route("*", CLUSTERS, Canned(status, b"", {"Location": location}))
    client = KeystoneClient(local_server.url)
    for call in (client.retrieve_cluster, lambda: client.create_cluster(name="x")):
        with pytest.raises(UnexpectedResponseError) as info:
            call()
        message = str(info.value)
        assert f"({status}) is a redirect to 'https://***@keystone.example.org" in message
        assert "token=***" in message and "hunter2" not in message and "abc" not in message
    assert client.http_get("allocations/clusters").status_code == status  # http_* return it


def test_a_next_link_that_is_not_a_url_is_a_pagination_error(local_server: LocalServer) -> None:
    page = {"count": 2, "next": "http://[::1/broken", "previous": None, "results": [{"id": 1}]}
    local_server.route("GET", CLUSTERS, Canned(200, page))
    with pytest.raises(keystone.PaginationError, match="not a valid URL"):
        KeystoneClient(local_server.url).retrieve_cluster()


# -- writes whose success answer does not say what they did -----------------------------------

JOB = "/batch/"
TEAMS = "/users/teams/"


def _v010(local_server: LocalServer) -> KeystoneClient:
    return KeystoneClient(local_server.url, server="0.10.9")


@pytest.mark.parametrize(
    "answer",
    [
        Canned(200, {"results": [{"method": "POST", "path": TEAMS, "status": 201, "body": {}}]}),
        Canned(200, {"detail": "ok"}),
        Canned(200, "<html>Done</html>"),
        Canned(200, {"results": ["ok", "ok", "ok"]}),
    ],
    ids=["fewer results than steps", "no results", "an HTML page", "results not objects"],
)
def test_a_job_answered_200_without_its_steps_results_has_an_unknown_outcome(
    local_server: LocalServer, answer: Canned
) -> None:
    local_server.route("POST", JOB, answer)
    job = _v010(local_server).atomic()
    for name in ("a", "b", "c"):
        job.create_team(name=name)
    with pytest.raises(keystone.OutcomeUnknownError) as info:
        job.run()
    error = info.value
    assert not isinstance(error, keystone.JobError)  # JobError means nothing was committed
    assert isinstance(error, UnexpectedResponseError) and error.response.status_code == 200
    assert "probably applied" in str(error) and "before sending it again" in str(error)
    assert not job.committed and job.results is None
    assert len([r for r in local_server.received if r.path == JOB]) == 1  # never sent again


def test_a_dry_run_answered_without_results_keeps_nothing_and_says_so(
    local_server: LocalServer,
) -> None:
    local_server.route("POST", JOB, Canned(200, {"results": []}))
    job = _v010(local_server).atomic(dry_run=True)
    job.create_team(name="a")
    with pytest.raises(UnexpectedResponseError) as info:
        job.run()
    assert not isinstance(info.value, keystone.OutcomeUnknownError)
    assert "answered 0 step results for a job of 1 steps" in str(info.value)


def test_a_split_job_whose_second_part_is_unreadable_names_the_part_committed(
    local_server: LocalServer,
) -> None:
    def answer(received: Received) -> Canned:
        actions = received.json()["job"]["actions"]
        if actions[0]["payload"]["name"] == "c":  # the second part
            return Canned(200, {"results": []})
        results = [{"method": "POST", "path": TEAMS, "status": 201, "body": {"id": 1}}] * 2
        return Canned(200, {"results": results})

    local_server.route("POST", JOB, answer)
    job = _v010(local_server).atomic(split=2)
    for name in ("a", "b", "c", "d"):
        job.create_team(name=name)
    with pytest.raises(keystone.OutcomeUnknownError) as info:
        job.run()
    assert len(job.done) == 2
    notes = " ".join(getattr(info.value, "__notes__", []))
    assert "The 2 steps before it were committed" in notes
    assert "whether this part (steps 3 to 4) was is unknown" in notes


@pytest.mark.parametrize(
    ("method", "answer"),
    [
        ("POST", Canned(201, "<html>Created</html>")),
        ("POST", Canned(201, b"")),
        ("PATCH", Canned(200, [{"id": 7}])),
    ],
    ids=["created, an HTML page", "created, no body", "updated, a list"],
)
def test_a_write_answered_success_without_its_record_has_an_unknown_outcome(
    local_server: LocalServer, method: str, answer: Canned
) -> None:
    local_server.route(method, TEAMS if method == "POST" else f"{TEAMS}7/", answer)
    client = _v010(local_server)
    with pytest.raises(keystone.OutcomeUnknownError) as info:
        if method == "POST":
            client.create_team(name="x")
        else:
            client.update_team(7, {"is_active": False})
    assert isinstance(info.value, UnexpectedResponseError)
    assert f"answered {answer.status}, a success, so the change was probably applied" in str(
        info.value
    )
    assert len(local_server.received) == 1


def test_a_write_redirected_is_not_an_unknown_outcome(local_server: LocalServer) -> None:
    local_server.route("POST", TEAMS, Canned(302, b"", {"Location": "/login/"}))
    with pytest.raises(UnexpectedResponseError) as info:
        _v010(local_server).create_team(name="x")
    assert not isinstance(info.value, keystone.OutcomeUnknownError)
