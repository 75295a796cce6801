"""Many tasks on one AsyncKeystoneClient: one renewal shared, sessions under concurrent writes,
cancellation, the throttle's hold, and ``batch`` of coroutines."""

from __future__ import annotations

import asyncio
import math
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from local_server import Canned, LocalServer

import keystone
from keystone import (
    AsyncKeystoneClient,
    BatchDeadlineError,
    JWTAuth,
    LoginAuth,
    Request,
    Response,
    StaticTokenAuth,
)
from keystone.testing import FakeClock, KeystoneEmulator, MockTransport, UserSpec

REFRESH = "/authentication/refresh/"
CLUSTERS = "/allocations/clusters/"
ACCESS_LIFETIME = 300.0  # the emulator's default, as a real server's


def run(main: Callable[[], Awaitable[Any]]) -> Any:
    return asyncio.run(asyncio.wait_for(main(), 60))  # a hang fails the test, not the suite


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def jwt_of(client: AsyncKeystoneClient) -> JWTAuth:
    auth = client.auth
    active = auth.active if isinstance(auth, LoginAuth) else auth
    assert isinstance(active, JWTAuth)
    return active


# -- sessions shared by many tasks -----------------------------------------------------------


def test_fifty_tasks_share_one_renewal_of_the_token(keystone_emulator: KeystoneEmulator) -> None:
    """50 retrieves gathered when the token is about to expire: one refresh reaches the
    server, every task gets its answer, and the renewed token serves the next ones."""
    clock = FakeClock()

    async def main() -> None:
        client = AsyncKeystoneClient(keystone_emulator.url, clock=clock, pool_maxsize=50)
        await client.login(keystone_emulator.admin_username, keystone_emulator.admin_password)
        created = await client.create_cluster(name=unique("shared"))
        clock.advance(ACCESS_LIFETIME * 0.95)  # the next call renews ahead of the expiry
        answers = await asyncio.gather(
            *(client.retrieve_cluster(pk=created["id"]) for _ in range(50))
        )
        assert answers == [created] * 50
        assert keystone_emulator.stats.count(method="POST", path=REFRESH) == 1
        await asyncio.gather(*(client.retrieve_cluster(pk=created["id"]) for _ in range(10)))
        assert keystone_emulator.stats.count(method="POST", path=REFRESH) == 1
        clock.advance(ACCESS_LIFETIME * 0.95)
        await asyncio.gather(*(client.http_get("allocations/clusters") for _ in range(20)))
        assert keystone_emulator.stats.count(method="POST", path=REFRESH) == 2
        assert keystone_emulator.stats.count(status=401) == 0
        await client.aclose()

    run(main)


def test_concurrent_writes_in_one_session_each_carry_its_csrf_token(
    line_emulators: Callable[[str], KeystoneEmulator],
) -> None:
    emulator = line_emulators("0.10.9")
    names = [unique("csrf") for _ in range(30)]

    async def main() -> None:
        client = AsyncKeystoneClient(emulator.url, pool_maxsize=30)
        await client.login(emulator.admin_username, emulator.admin_password)
        before = emulator.stats.statuses(method="POST", path=CLUSTERS)
        made = await asyncio.gather(*(client.create_cluster(name=name) for name in names))
        assert sorted(c["name"] for c in made) == sorted(names)
        after = emulator.stats.statuses(method="POST", path=CLUSTERS)
        assert after.get(201, 0) - before.get(201, 0) == 30  # each once, none refused
        assert after.get(403, 0) == before.get(403, 0)
        await asyncio.gather(*(client.update_cluster(c["id"], {"enabled": False}) for c in made))
        await asyncio.gather(*(client.delete_cluster(c["id"]) for c in made))
        assert await client.retrieve_cluster(filters={"name__in": names}) == []
        await client.logout()

    run(main)


# -- cancellation ----------------------------------------------------------------------------


@pytest.fixture
def stalling() -> Iterator[LocalServer]:
    """A server whose ``/slow/`` answers after 5 s, the rest at once, each with its own body."""
    server = LocalServer().start()
    server.route("GET", "/version/", Canned(200, "0.10.9"))
    server.route("GET", "/slow/", Canned(200, {"path": "slow"}, delay=5.0))
    for name in "abcdef":
        server.route("GET", f"/{name}/", Canned(200, {"path": name}))
    yield server
    server.stop()


def test_a_request_cancelled_while_the_server_stalls_leaves_the_client_sound(
    stalling: LocalServer,
) -> None:
    async def main() -> None:
        client = AsyncKeystoneClient(stalling.url, auth=StaticTokenAuth("k"), pool_maxsize=2)
        assert (await client.http_get("a")).json() == {"path": "a"}
        slow = asyncio.ensure_future(client.http_get("slow"))
        while not any(r.path == "/slow/" for r in stalling.received):
            await asyncio.sleep(0.005)
        slow.cancel()
        with pytest.raises(asyncio.CancelledError):
            await slow
        started = time.monotonic()
        answers = await asyncio.gather(*(client.http_get(name) for name in "abcdef" * 3))
        assert [r.json()["path"] for r in answers] == list("abcdef" * 3)
        assert time.monotonic() - started < 2  # no wait for the stalled answer
        await client.aclose()

    run(main)


def test_a_renewal_cancelled_in_flight_holds_no_lock(keystone_emulator: KeystoneEmulator) -> None:
    """The task renewing the token is cancelled while the refresh is on its way: no lock
    stays held, and the next call renews again; a login goes through meanwhile too."""
    clock = FakeClock()

    async def main() -> None:
        client = AsyncKeystoneClient(keystone_emulator.url, clock=clock)
        await client.login(keystone_emulator.admin_username, keystone_emulator.admin_password)
        clock.advance(ACCESS_LIFETIME * 0.95)
        keystone_emulator.faults.delay(5.0, method="POST", path=REFRESH)
        renewing = asyncio.ensure_future(client.http_get("allocations/clusters"))
        jwt = jwt_of(client)
        while not jwt._renewing.locked():
            await asyncio.sleep(0.005)
        renewing.cancel()
        with pytest.raises(asyncio.CancelledError):
            await renewing
        assert not jwt._renewing.locked()
        started = time.monotonic()
        answers = await asyncio.gather(*(client.http_get("allocations/clusters") for _ in range(5)))
        assert {r.status_code for r in answers} == {200}
        assert time.monotonic() - started < 2  # nothing waited for the cancelled renewal
        assert keystone_emulator.stats.count(method="POST", path=REFRESH, status=200) >= 1
        await client.login(keystone_emulator.admin_username, keystone_emulator.admin_password)
        assert client.is_authenticated
        await client.aclose()

    run(main)


# -- the throttle's hold ---------------------------------------------------------------------


def test_a_429_holds_every_task_of_the_client_until_its_wait_is_over() -> None:
    """One task's 429 (Retry-After 30) holds the requests the other tasks make meanwhile:
    the server sees none of them before the 30 s are over (on the client's fake clock)."""
    clock = FakeClock()
    seen: list[float] = []
    refused = [Response(429, json={"detail": "throttled"}, headers={"Retry-After": "30"})]
    first_refused = asyncio.Event()

    async def answer(request: Request) -> Response:
        seen.append(clock.monotonic())
        if refused:
            first_refused.set()
            return refused.pop()
        return Response(200, json={"id": 1})

    client = AsyncKeystoneClient(
        "http://keystone.test",
        transport=MockTransport(answer),
        server="0.10.9",
        auth=StaticTokenAuth("k3y"),
        clock=clock,
    )

    async def main() -> None:
        first = asyncio.ensure_future(client.http_get("allocations/clusters/1"))
        await first_refused.wait()
        others = await asyncio.gather(*(client.retrieve_cluster(pk=n) for n in range(1, 9)))
        assert others == [{"id": 1}] * 8
        assert (await first).status_code == 200

    run(main)
    assert len(seen) == 10
    assert min(seen[1:]) - seen[0] >= 30  # nobody went before the hold ended


# -- batch of coroutines ---------------------------------------------------------------------


def mock_client(**options: Any) -> AsyncKeystoneClient:
    def answer(request: Request) -> Response:
        pk = int(request.url.rstrip("/").rsplit("/", 1)[1])
        if pk % 5 == 0:
            return Response(404, json={"detail": "No Cluster matches the given query."})
        return Response(200, json={"id": pk})

    return AsyncKeystoneClient(
        "http://keystone.test",
        transport=MockTransport(answer),
        server="0.10.9",
        auth=StaticTokenAuth("k3y"),
        **options,
    )


def test_batch_keeps_the_order_collects_failures_and_reports_progress() -> None:
    client = mock_client()
    progress: list[tuple[int, int]] = []
    in_flight = [0, 0]

    async def fetch(pk: int) -> dict[str, Any]:
        in_flight[0] += 1
        in_flight[1] = max(in_flight)
        try:
            await asyncio.sleep(0.001 * (pk % 7))  # finishing out of order
            answer: dict[str, Any] = (await client.http_get(f"allocations/clusters/{pk}")).json()
            return answer
        finally:
            in_flight[0] -= 1

    async def main() -> Any:
        return await client.batch(
            fetch, range(1, 41), workers=16, progress=lambda d, t: progress.append((d, t))
        )

    results = run(main)
    assert [o.item for o in results] == list(range(1, 41))
    assert [o.value for o in results.succeeded] == [{"id": n} for n in range(1, 41) if n % 5]
    assert [o.item for o in results.failed] == [5, 10, 15, 20, 25, 30, 35, 40]
    assert all(isinstance(o.error, keystone.NotFoundError) for o in results.failed)
    assert progress[-1] == (40, 40) and len(progress) == 40
    assert in_flight[1] == 16  # workers at once, no more


def test_a_batch_deadline_leaves_the_items_not_started_unsent() -> None:
    client = mock_client()

    async def slow(pk: int) -> Any:
        await asyncio.sleep(0.1)
        return await client.retrieve_cluster(pk=pk)

    results = run(lambda: client.batch(slow, range(1, 21), workers=2, deadline=0.25))
    late = [o for o in results.failed if isinstance(o.error, BatchDeadlineError)]
    assert results.succeeded and late and len(late) + len(results.succeeded) == 20
    assert all(o.item > max(s.item for s in results.succeeded) for o in late)
    transport = client._core.transport
    assert isinstance(transport, MockTransport) and len(transport.requests) == 20 - len(late)


@pytest.mark.parametrize(
    ("fn", "options", "error", "message"),
    [
        ("async", {"workers": "8"}, ValueError, "workers='8'"),
        ("async", {"workers": 0}, ValueError, "workers=0"),
        ("async", {"deadline": "5"}, ValueError, "deadline='5'"),
        ("async", {"deadline": math.inf}, ValueError, "deadline=inf"),
        ("async", {"retry": "often"}, TypeError, "RetryPolicy"),
        ("sync", {}, TypeError, "fn must be an async function"),
    ],
)
def test_batch_arguments_are_refused_before_anything_starts(
    fn: str, options: dict[str, Any], error: type[Exception], message: str
) -> None:
    client = mock_client()
    started: list[int] = []

    async def item(n: int) -> int:
        started.append(n)
        return n

    def plain(n: int) -> int:
        started.append(n)
        return n

    async def main() -> None:
        with pytest.raises(error, match=message):
            await client.batch(item if fn == "async" else plain, [1, 2], **options)

    run(main)
    assert started == []


THROTTLED = "10/s"
WORKER = UserSpec("async-worker", "Worker-pw-123", is_staff=True)


@pytest.fixture(scope="module")
def throttled() -> Iterator[KeystoneEmulator]:
    with KeystoneEmulator(api="0.10.9", user_throttle=THROTTLED, users=[WORKER]) as running:
        yield running


def test_a_batch_of_creates_under_the_servers_throttle_creates_each_once(
    throttled: KeystoneEmulator,
) -> None:
    """16 creates with 8 workers meet the server's 10/s: the 429s are waited out, each record
    is created once, and the client's hold spares the server most refusals."""
    names = [unique("throttled") for _ in range(16)]

    async def main() -> Any:
        client = AsyncKeystoneClient(throttled.url)
        await client.login(WORKER.username, WORKER.password)

        async def create(name: str) -> Any:
            return await client.create_cluster(name=name)

        results = await client.batch(create, names, workers=8)
        made = await client.retrieve_cluster(filters={"name__in": names})
        await client.aclose()
        return results, made

    results, made = run(main)
    assert not results.failed, results.failed[:3]
    posts = throttled.stats.statuses(method="POST", path="allocations/clusters/")
    assert posts.get(201) == 16 and posts.get(429, 0) >= 1, posts
    assert sorted(c["name"] for c in made) == sorted(names)
