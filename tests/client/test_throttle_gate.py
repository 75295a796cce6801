"""The client's throttle without a server: what is held, for how long, and what is refused.

Answers come from a ``MockTransport`` and time from a ``FakeClock`` (its sleeps pass at once,
and each is recorded), so the waits are exact and no test waits. What it does over real
sockets, against the emulator's throttle, is in ``tests/batch/test_throttled_work.py``.
"""

from __future__ import annotations

import json
import math
import pickle
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from keystone import (
    ConnectError,
    KeystoneClient,
    Request,
    Response,
    RetryPolicy,
    StaticTokenAuth,
    ThrottledError,
    ThrottleWaitError,
)
from keystone._throttle import Rate, Throttle
from keystone.testing import FakeClock, MockTransport

URL = "http://keystone.test"


class Server:
    """Answers from ``answer(request)``, noting when (on the fake clock) each one came."""

    def __init__(self, clock: FakeClock, answer: Callable[[Request], Response] | None = None):
        self.clock = clock
        self.answer = answer or (lambda request: Response(200, json={"id": 1}))
        self.times: list[float] = []
        self.transport = MockTransport(self)

    def __call__(self, request: Request) -> Response:
        self.times.append(self.clock.monotonic() - 1000.0)  # FakeClock starts at 1000
        return self.answer(request)


def client_for(server: Server, **options: Any) -> KeystoneClient:
    return KeystoneClient(
        URL,
        transport=server.transport,
        clock=server.clock,
        server="0.10.9",
        auth=StaticTokenAuth("k3y"),
        **options,
    )


def throttled_first(wait: str = "10") -> Callable[[Request], Response]:
    """A 429 with ``Retry-After: wait`` to the first request, 200 to the rest."""
    answers = [Response(429, json={"detail": "throttled"}, headers={"Retry-After": wait})]
    return lambda request: answers.pop() if answers else Response(200, json={"id": 1})


# -- the rate ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rate"),
    [("250/min", Rate(250, 60.0)), ("10/s", Rate(10, 1.0)), (" 5000 / hour ", Rate(5000, 3600.0))],
)
def test_a_rate_is_read_as_the_servers_settings_write_it(text: str, rate: Rate) -> None:
    assert Rate.parse(text) == rate
    client = KeystoneClient(URL, rate_limit=text, server="0.10.9")
    assert client.rate_limit == str(rate)
    assert pickle.loads(pickle.dumps(client)).rate_limit == str(rate)  # in other processes too


@pytest.mark.parametrize("bad", ["250", "0/min", "10/week", "-1/s", 250, None, "ten/s"])
def test_a_bad_rate_is_refused_naming_it(bad: object) -> None:
    if bad is None:
        assert KeystoneClient(URL, rate_limit=None).rate_limit is None
        return
    with pytest.raises(ValueError, match=r"rate_limit=.*is not a rate.*'250/min'"):
        KeystoneClient(URL, rate_limit=bad)  # type: ignore[arg-type]


def test_the_rate_spaces_the_requests_as_the_servers_window_counts_them() -> None:
    server = Server(FakeClock())
    client = client_for(server, rate_limit="2/s")
    for _ in range(6):
        client.http_get("allocations/clusters/1")
    # Two in any second, each window a margin (1% of it) later than it would allow.
    assert server.times == pytest.approx([0.0, 0.0, 1.01, 1.01, 2.02, 2.02])


def test_a_reservation_given_back_frees_its_place() -> None:
    throttle = Throttle(Rate(1, 10.0))
    assert throttle.reserve(0.0) == 0.0
    at = throttle.reserve(0.0)
    assert at == 10.1  # a window and its margin
    throttle.release(at)
    assert throttle.reserve(0.0) == 10.1  # the place it had, not 20.2


def test_a_job_counts_for_each_of_its_steps_and_itself() -> None:
    """An atomic job of 4 steps counts 5 of the server's requests: two fill a 10/min window."""
    server = Server(FakeClock(), job_answer)
    client = client_for(server, rate_limit="10/min")
    for _ in range(2):
        job = client.atomic()
        for n in range(4):
            job.create_team(name=f"t{n}")
        job.run()
    client.http_get("allocations/clusters/1")
    assert server.times == [0.0, 0.0, 60.25]  # a minute and its margin


def job_answer(request: Request) -> Response:
    """A job's answer: every step created its team."""
    if not request.url.endswith("/batch/"):
        return Response(200, json={"id": 1})
    assert request.body is not None
    steps = len(json.loads(request.body)["job"]["actions"])
    result = {"method": "POST", "path": "/users/teams/", "status": 201, "body": {"id": 1}}
    return Response(200, json={"results": [result] * steps})


# -- the server's holds ---------------------------------------------------------------------------


def test_a_429_holds_the_next_call_too() -> None:
    clock = FakeClock()
    server = Server(clock, throttled_first("10"))
    client = client_for(server)
    with pytest.raises(ThrottledError):
        client.http_get("allocations/clusters/1", retry=RetryPolicy.disabled())
    client.http_get("allocations/clusters/2")  # another call: it waits for the same hold
    assert clock.sleeps == [10.0] and server.times == [0.0, 10.0]


def test_a_hold_longer_than_the_call_may_wait_sends_nothing() -> None:
    clock = FakeClock()
    server = Server(clock, throttled_first("400"))
    client = client_for(server)
    with pytest.raises(ThrottledError, match="asked to wait 400 s"):
        client.http_get("allocations/clusters/1")  # past max_retry_after: raised at once
    with pytest.raises(ThrottleWaitError) as caught:
        client.delete_cluster(pk=2)
    error = caught.value
    assert error.request_sent is False and 399 < error.retry_after <= 400
    assert "DELETE http://keystone.test/allocations/clusters/2/ was not sent" in str(error)
    assert "max_retry_after" in str(error) and "Nothing was sent" in str(error)
    assert len(server.times) == 1 and clock.sleeps == []
    patient = RetryPolicy(max_retry_after=600)
    client.delete_cluster(pk=2, retry=patient)  # a call that may wait that long waits
    assert clock.sleeps == [400.0] and server.times == [0.0, 400.0]


def test_a_hold_is_not_waited_past_the_batchs_deadline() -> None:
    clock = FakeClock()
    server = Server(clock, throttled_first("60"))
    client = client_for(server)
    with pytest.raises(ThrottledError):
        client.http_get("allocations/clusters/1", retry=RetryPolicy.disabled())
    results = client.batch(lambda pk: client.retrieve_cluster(pk=pk), [1, 2, 3], deadline=20)
    assert len(results.failed) == 3
    for outcome in results:
        assert isinstance(outcome.error, ThrottleWaitError)
        assert "past the 20 s deadline of the batch" in str(outcome.error)
    assert len(server.times) == 1  # none of the batch's requests went


def test_without_retries_a_throttles_answer_is_raised_not_waited_for() -> None:
    clock = FakeClock()
    server = Server(clock, throttled_first("10"))
    client = client_for(server)
    with pytest.raises(ThrottledError) as caught:
        client.http_get("allocations/clusters/1", retry=RetryPolicy.disabled())
    assert caught.value.attempts == 1 and clock.sleeps == []


# -- retry= wherever a call is made ---------------------------------------------------------------


def _down(request: Request) -> Response:
    """Down for now, back in a second: safe to send again, for any method."""
    return Response(503, json={"detail": "down"}, headers={"Retry-After": "1"})


CALLS: dict[str, Callable[[KeystoneClient, Any], Any]] = {
    "create": lambda c, r: c.create_cluster(name="x", description="d", retry=r),
    "retrieve one": lambda c, r: c.retrieve_cluster(pk=1, retry=r),
    "retrieve all": lambda c, r: c.retrieve_cluster(retry=r),
    "iter": lambda c, r: list(c.iter_cluster(retry=r)),
    "update": lambda c, r: c.update_cluster(pk=1, data={"name": "y"}, retry=r),
    "delete": lambda c, r: c.delete_cluster(pk=1, retry=r),
    "http_get": lambda c, r: c.http_get("allocations/clusters/1", retry=r),
    "http_delete": lambda c, r: c.http_delete("allocations/clusters/1", retry=r),
    "whoami": lambda c, r: c.whoami(retry=r),
    "config": lambda c, r: c.config(retry=r),
    "stats": lambda c, r: c.stats("grants", retry=r),
    "choices": lambda c, r: c.choices("request", "status", retry=r),
    "atomic": lambda c, r: _job(c.atomic(retry=r)).run(),
    "run": lambda c, r: _job(c.atomic()).run(retry=r),
    "batch": lambda c, r: _raised(c.batch(lambda pk: c.delete_cluster(pk=pk), [1], retry=r)),
}


def _raised(results: Any) -> None:
    for outcome in results:
        if outcome.error is not None:
            raise outcome.error


def _job(job: Any) -> Any:
    job.create_team(name="t")
    return job


@pytest.mark.parametrize("name", list(CALLS))
def test_retry_is_taken_wherever_a_call_is_made(name: str) -> None:
    """A 503 with Retry-After is sent again under the client's policy (4 attempts), and once
    under the policy given to the call."""
    counts = []
    for retry in (None, RetryPolicy.disabled()):
        server = Server(FakeClock(), _down)
        with pytest.raises(Exception, match="503"):
            CALLS[name](client_for(server), retry)
        counts.append(len(server.times))
    assert counts == [4, 1]


@pytest.mark.parametrize("name", [n for n in CALLS if n not in ("batch",)])
def test_a_retry_that_is_no_policy_is_refused_before_sending(name: str) -> None:
    server = Server(FakeClock())
    with pytest.raises(TypeError, match=r"retry=3 is not a RetryPolicy"):
        CALLS[name](client_for(server), 3)
    assert server.times == []


def test_a_batchs_retry_is_refused_before_anything_starts() -> None:
    server = Server(FakeClock())
    client = client_for(server)
    with pytest.raises(TypeError, match=r"retry='often' is not a RetryPolicy"):
        client.batch(lambda pk: client.delete_cluster(pk=pk), [1], retry="often")  # type: ignore[arg-type]
    assert server.times == []


def test_a_calls_own_retry_wins_over_its_batchs() -> None:
    server = Server(FakeClock(), _down)
    client = client_for(server)
    patient = RetryPolicy(max_attempts=3)
    results = client.batch(
        lambda pk: client.delete_cluster(pk=pk, retry=patient), [1], retry=RetryPolicy.disabled()
    )
    assert len(results.failed) == 1 and len(server.times) == 3


# -- progress on list reads -----------------------------------------------------------------------


def paged(total: int) -> Callable[[Request], Response]:
    """A v0.10.9 list of ``total`` clusters, in the pages the request asks for."""

    def answer(request: Request) -> Response:
        query = parse_qs(urlsplit(request.url).query)
        limit = int(query.get("_limit", ["100"])[0])
        offset = int(query.get("_offset", ["0"])[0])
        records = [
            {"id": n + 1, "name": f"c{n}"} for n in range(offset, min(total, offset + limit))
        ]
        following = offset + limit < total
        link = f"{URL}/allocations/clusters/?_limit={limit}&_offset={offset + limit}"
        body = {"count": total, "next": link if following else None, "previous": None}
        return Response(200, json={**body, "results": records})

    return answer


@pytest.mark.parametrize("workers", [1, 4])
def test_a_list_read_tells_its_progress_with_the_servers_count(workers: int) -> None:
    server = Server(FakeClock(), paged(25))
    client = client_for(server)
    seen: list[tuple[int, int]] = []
    records = list(
        client.iter_cluster(
            page_size=10, workers=workers, progress=lambda done, total: seen.append((done, total))
        )
    )
    assert len(records) == 25
    # One call a page, as its new records arrive (each page repeats the last of the one before,
    # to check the list did not shift): 10, 19, 25 of the 25 the count announced.
    assert seen == [(10, 25), (19, 25), (25, 25)]


def test_retrieve_tells_its_progress_too_and_refuses_it_for_one_record() -> None:
    server = Server(FakeClock(), paged(3))
    client = client_for(server)
    seen: list[tuple[int, int]] = []
    assert len(client.retrieve_cluster(progress=lambda d, t: seen.append((d, t)))) == 3
    assert seen == [(3, 3)]
    with pytest.raises(TypeError, match="progress= and progress_bar= apply to lists"):
        client.retrieve_cluster(pk=1, progress=lambda d, t: None)
    with pytest.raises(TypeError, match="progress=3 must be a function"):
        client.retrieve_cluster(progress=3)  # type: ignore[call-overload]
    assert len(server.times) == 1


def test_a_list_without_a_count_tells_what_came_so_far() -> None:
    def plain(request: Request) -> Response:
        return Response(200, json=[{"id": 1}, {"id": 2}])

    server = Server(FakeClock(), plain)
    client = KeystoneClient(URL, transport=server.transport, clock=server.clock, server="0.7.3")
    seen: list[tuple[int, int]] = []
    client.retrieve_cluster(progress=lambda d, t: seen.append((d, t)))
    assert seen == [(2, 2)]


def test_a_list_read_shows_a_bar(capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("tqdm")
    server = Server(FakeClock(), paged(25))
    client = client_for(server)
    assert len(list(client.iter_cluster(page_size=10, workers=1, progress_bar=True))) == 25
    assert "25/25" in capsys.readouterr().err


def test_a_split_job_tells_its_progress_in_steps() -> None:
    server = Server(FakeClock(), job_answer)
    client = client_for(server)
    seen: list[tuple[int, int]] = []
    job = client.atomic(split=2, progress=lambda done, total: seen.append((done, total)))
    for n in range(5):
        job.create_team(name=f"t{n}")
    job.run()
    assert seen == [(2, 5), (4, 5), (5, 5)]


# -- long work under Keystone's throttle, on the fake clock ----------------------------------------


class DRFThrottle:
    """Keystone's throttle as Django REST framework keeps it, on the fake clock: at most
    ``requests`` counted in any ``period`` seconds; a refused request does not count, and each
    step of a job counts as one request. ``answer`` answers what passes."""

    def __init__(self, clock: FakeClock, rate: str, answer: Callable[[Request], Response]):
        parsed = Rate.parse(rate)
        self.clock, self.requests, self.period = clock, parsed.requests, parsed.period
        self.answer = answer
        self.history: list[float] = []  # newest first, as DRF keeps it
        self.refused = 0

    def _wait(self) -> int | None:
        """None when one more request may go now (it is counted), else DRF's Retry-After."""
        now = self.clock.monotonic()
        while self.history and self.history[-1] <= now - self.period:
            self.history.pop()
        if len(self.history) < self.requests:
            self.history.insert(0, now)
            return None
        self.refused += 1
        remaining = self.period - (now - self.history[-1])
        return math.ceil(remaining / (self.requests - len(self.history) + 1))

    def __call__(self, request: Request) -> Response:
        wait = self._wait()
        if wait is not None:
            detail = f"Request was throttled. Expected available in {wait} seconds."
            return Response(429, json={"detail": detail}, headers={"Retry-After": str(wait)})
        if request.url.endswith("/batch/"):
            assert request.body is not None
            for step, _ in enumerate(json.loads(request.body)["job"]["actions"], 1):
                wait = self._wait()
                if wait is not None:  # the job is rolled back; the steps before it counted
                    detail = f"Request was throttled. Expected available in {wait} seconds."
                    body = {"step": step, "status": 429, "body": {"detail": detail}}
                    return Response(422, json=body)
        return self.answer(request)

    def least(self, counted: int) -> float:
        """The least time ``counted`` requests take from an empty window: the k-th cannot go
        before ``floor((k - 1) / requests)`` windows."""
        return ((counted - 1) // self.requests) * self.period


def test_a_page_walk_under_60_a_minute_takes_about_the_least_time() -> None:
    clock = FakeClock()
    server = DRFThrottle(clock, "60/min", paged(150))
    client = client_for(Server(clock, server))
    records = list(client.iter_cluster(page_size=1, workers=1))  # 150 pages, one at a time
    elapsed = clock.monotonic() - 1000.0
    assert [r["id"] for r in records] == list(range(1, 151))
    least = server.least(150)  # 120 s
    assert least <= elapsed <= 1.5 * least, (elapsed, least)


@pytest.mark.parametrize("rate_limit", [None, "60/min"], ids=["429s", "rate_limit"])
def test_a_split_job_under_60_a_minute_takes_about_the_least_time(rate_limit: str | None) -> None:
    clock = FakeClock()
    server = DRFThrottle(clock, "60/min", job_answer)
    client = client_for(Server(clock, server), rate_limit=rate_limit)
    job = client.atomic(split=10)
    for n in range(150):
        job.create_team(name=f"t{n}")
    results = job.run()  # 15 jobs of 10 steps: each counts 11, 165 in all
    elapsed = clock.monotonic() - 1000.0
    assert len(results) == 150 and job.committed
    least = server.least(165)  # 120 s
    assert least <= elapsed <= 1.5 * least, (elapsed, least)
    if rate_limit is not None:
        assert server.refused == 0  # the client kept under the rate: the server refused none


# -- what the server did not count, what is not the API's, what the review found ---------------


def test_a_429_under_a_rate_gives_its_place_back() -> None:
    """The server did not count a refused request: the retry waits the server's 10 s, not
    another minute of the client's own rate."""
    clock = FakeClock()
    server = Server(clock, throttled_first("10"))
    client = client_for(server, rate_limit="1/min")
    client.http_get("allocations/clusters/1")
    assert clock.sleeps == [10.0] and server.times == [0.0, 10.0]


def test_a_request_never_sent_gives_its_place_back() -> None:
    clock = FakeClock()
    failures = [ConnectError("refused (scripted)")]

    def answer(request: Request) -> Response:
        if failures:
            raise failures.pop()
        return Response(200, json={"id": 1})

    server = Server(clock, answer)
    client = client_for(server, rate_limit="1/min")
    client.http_get("allocations/clusters/1")
    assert len(server.times) == 2 and max(clock.sleeps) < 10  # the backoff's jitter only


def test_another_servers_429_holds_nothing_and_takes_no_turn() -> None:
    clock = FakeClock()

    def answer(request: Request) -> Response:
        if "elsewhere.test" in request.url:
            return Response(429, json={}, headers={"Retry-After": "100"})
        return Response(200, json={"id": 1})

    server = Server(clock, answer)
    client = client_for(server, rate_limit="1/min")
    with pytest.raises(ThrottledError):
        client.http_get("http://elsewhere.test/file", retry=RetryPolicy.disabled())
    client.http_get("allocations/clusters/1")
    assert clock.sleeps == [] and server.times == [0.0, 0.0]


def test_finding_out_the_server_keeps_to_the_calls_retry() -> None:
    server = Server(FakeClock(), _down)
    client = KeystoneClient(URL, transport=server.transport, clock=server.clock)
    with pytest.raises(Exception, match="could not find out which Keystone release"):
        client.retrieve_cluster(pk=1, retry=RetryPolicy.disabled())
    sent = [request.url.split("/", 3)[3] for request in server.transport.requests]
    assert sent == ["version/", "authentication/whoami/"]  # each probe once, not four times


def test_a_batch_inside_a_batch_keeps_the_outer_deadline_and_policy() -> None:
    clock = FakeClock()
    server = Server(clock, throttled_first("60"))
    client = client_for(server)
    with pytest.raises(ThrottledError):
        client.http_get("allocations/clusters/1", retry=RetryPolicy.disabled())

    def inner(pk: int) -> Any:
        return client.batch(lambda n: client.retrieve_cluster(pk=n), [pk]).values[0]

    outer = client.batch(lambda pk: _unwrapped(inner(pk)), [1, 2], deadline=20)
    assert len(outer.failed) == 2
    assert all(isinstance(o.error, ThrottleWaitError) for o in outer.failed)
    assert len(server.times) == 1


def _unwrapped(value: Any) -> Any:
    if value is None:
        raise ThrottleWaitError("the inner item failed", retry_after=0.0)
    return value


def test_a_hold_delays_every_thread_of_the_client() -> None:
    """Over a real socket-free transport but on the real clock: one thread's 429 (wait 1 s)
    holds the requests the other threads make meanwhile, so the server sees none of them
    before the second is over."""
    seen: list[float] = []
    refused = [Response(429, json={"detail": "throttled"}, headers={"Retry-After": "1"})]
    lock = threading.Lock()

    def answer(request: Request) -> Response:
        with lock:
            seen.append(time.monotonic())
            if refused:
                return refused.pop()
        return Response(200, json={"id": 1})

    client = KeystoneClient(
        URL, transport=MockTransport(answer), server="0.10.9", auth=StaticTokenAuth("k3y")
    )
    first = threading.Thread(target=lambda: client.http_get("allocations/clusters/1"))
    first.start()
    while not seen:
        time.sleep(0.001)
    time.sleep(0.05)  # the 429 is back: the hold is set
    results = client.batch(lambda pk: client.retrieve_cluster(pk=pk), range(1, 9), workers=8)
    first.join()
    assert not results.failed and len(seen) == 10
    assert min(seen[1:]) - seen[0] >= 0.9  # nobody went before the hold ended


def test_login_takes_retry_too() -> None:
    counts = []
    for retry in (None, RetryPolicy.disabled()):
        server = Server(FakeClock(), _down)
        client = KeystoneClient(
            URL, transport=server.transport, clock=server.clock, server="0.10.9"
        )
        with pytest.raises(Exception, match="503"):
            client.login("someone", "Some-pw-123", retry=retry)
        counts.append(len(server.times))
    assert counts == [4, 1]
    with pytest.raises(TypeError, match="retry=3 is not a RetryPolicy"):
        client.logout(retry=3)  # type: ignore[arg-type]
