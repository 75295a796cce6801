"""AsyncKeystoneClient on its own terms: what the twins of the sync tests cannot show.

The user guide's flow written with ``await`` and ``async for`` on both generations, async
middleware, atomic jobs, list arguments refused at the first step of ``async for``, parallel
pages, a list closed early, a write whose outcome is unknown, one client used by one
``asyncio.run`` after another, secrets, and the client without aiohttp.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import pickle
import subprocess
import sys
import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from local_server import Canned, LocalServer

import keystone
from keystone import (
    AsyncKeystoneClient,
    HookMiddleware,
    JobError,
    OutcomeUnknownError,
    Request,
    Response,
    ServerError,
    SessionAuth,
    StaticTokenAuth,
    UnsupportedError,
    per_attempt,
)
from keystone.auth._cookies import set_cookie_lines
from keystone.testing import FakeClock, KeystoneEmulator, MockTransport, UserSpec

GENERATIONS = ["0.3.26", "0.10.9"]
BLACKLIST = "/authentication/blacklist/"
CLUSTERS = "/allocations/clusters/"


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture(params=GENERATIONS)
def line(
    request: pytest.FixtureRequest, line_emulators: Callable[[str], KeystoneEmulator]
) -> KeystoneEmulator:
    """The session's emulator of each generation's last release line."""
    return line_emulators(request.param)


@pytest.fixture
def v010(line_emulators: Callable[[str], KeystoneEmulator]) -> KeystoneEmulator:
    return line_emulators("0.10.9")


def run(main: Callable[[], Awaitable[Any]]) -> Any:
    return asyncio.run(asyncio.wait_for(main(), 60))  # a hang fails the test, not the suite


# -- the user guide's flow -------------------------------------------------------------------


def test_the_user_guide_flow_with_await_and_async_for(line: KeystoneEmulator) -> None:
    """Log in, create, retrieve, update, delete, walk a list, log out; an async middleware
    sees every call, login and logout included."""
    seen: list[tuple[str, str, str]] = []

    async def record(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        seen.append((request.call.kind, request.method, request.url))
        return response

    name = unique("guide")

    async def main() -> None:
        async with AsyncKeystoneClient(line.url, middleware=[record]) as client:
            assert not client.is_authenticated
            await client.login(line.admin_username, line.admin_password)
            assert client.is_authenticated
            server = await client.server()
            assert server.release == (None if line.api == "0.3.26" else line.api)
            created = await client.create_cluster(name=name, description="from the guide")
            pk = created["id"]
            assert (await client.retrieve_cluster(pk=pk))["name"] == name
            found = await client.retrieve_cluster(filters={"name": name})
            assert [c["id"] for c in found] == [pk]
            updated = await client.update_cluster(pk=pk, data={"description": "Updated"})
            assert updated["description"] == "Updated"
            walked = [c["id"] async for c in client.iter_cluster(filters={"name": name})]
            assert walked == [pk]
            await client.delete_cluster(pk=pk)
            assert await client.retrieve_cluster(pk=pk) is None
            await client.delete_cluster(pk=pk)  # silent when absent
            with pytest.raises(keystone.NotFoundError):
                await client.delete_cluster(pk=pk, raise_not_exists=True)
            await client.logout()
            assert not client.is_authenticated

    run(main)
    kinds = [kind for kind, _, _ in seen]
    assert kinds[-1] == "logout" and kinds.count("login") == 1
    api = [method for kind, method, _ in seen if kind == "api"]
    assert api == ["POST", "GET", "GET", "PATCH", "GET", "DELETE", "GET", "DELETE", "DELETE"]


def test_logout_ends_on_the_server_what_login_gave_on_both_generations(
    line: KeystoneEmulator,
) -> None:
    """After logout the server refuses what the login gave (the refresh token on 0.3, the
    session cookie on 0.4 and later), as an async middleware saw it come back."""
    given: list[Any] = []

    async def capture(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        if request.call.kind == "login":
            lines = set_cookie_lines(response.headers)
            given.append(lines if lines else response.json()["refresh"])
        return response

    async def main() -> None:
        client = AsyncKeystoneClient(line.url, middleware=[capture])
        await client.login(line.admin_username, line.admin_password)
        await client.logout()
        assert not client.is_authenticated and len(given) == 1
        other = AsyncKeystoneClient(line.url, server=await client.server())
        if line.api == "0.3.26":
            with pytest.raises(keystone.AuthenticationError, match="blacklisted"):
                await other.http_post("authentication/refresh", {"refresh": given[0]})
        else:
            cookie = "; ".join(header.split(";")[0] for header in given[0])
            with pytest.raises(keystone.AuthenticationError):
                await other.http_get("authentication/whoami", headers={"Cookie": cookie})
        await client.aclose()
        await other.aclose()

    run(main)


# -- middleware ------------------------------------------------------------------------------


def mock(handler: Callable[[Request], Response], **options: Any) -> AsyncKeystoneClient:
    options.setdefault("auth", StaticTokenAuth("k3y"))
    options.setdefault("server", "0.10.9")
    return AsyncKeystoneClient("http://keystone.test", transport=MockTransport(handler), **options)


def test_a_sync_middleware_is_refused_when_made_saying_to_write_it_async() -> None:
    def mw(request: Request, call_next: Any) -> Response:
        return call_next(request)  # type: ignore[no-any-return]

    transport = MockTransport(lambda request: Response(200, json={}))
    with pytest.raises(TypeError, match=r"mw is a sync middleware.*async def middleware"):
        AsyncKeystoneClient("http://keystone.test", transport=transport, middleware=[mw])
    with pytest.raises(TypeError, match="sync middleware"):
        AsyncKeystoneClient(
            "http://keystone.test", transport=transport, middleware=[per_attempt(mw)]
        )
    assert transport.requests == []


def test_async_middleware_sees_each_call_and_per_attempt_each_attempt() -> None:
    statuses = [503, 502, 200]
    calls: list[str] = []
    attempts: list[int] = []
    hooked: list[int] = []

    async def outer(request: Request, call_next: Any) -> Response:
        calls.append(request.method)
        return await call_next(request)  # type: ignore[no-any-return]

    async def each(request: Request, call_next: Any) -> Response:
        attempts.append(request.call.attempt)
        await asyncio.sleep(0)  # it may await anything
        return await call_next(request)  # type: ignore[no-any-return]

    class Hooks(HookMiddleware):
        def on_response(self, request: Request, response: Response) -> None:
            hooked.append(response.status_code)

    def answer(request: Request) -> Response:
        status = statuses.pop(0) if statuses else 200
        return Response(status, json={"id": 1} if status == 200 else {"detail": "busy"})

    client = mock(answer, middleware=[outer, Hooks(), per_attempt(each)], clock=FakeClock())

    async def main() -> None:
        assert await client.retrieve_cluster(pk=1) == {"id": 1}
        await client.http_get("allocations/clusters/1")

    run(main)
    assert calls == ["GET", "GET"]  # once a call
    assert attempts == [1, 2, 3, 1]  # once an attempt
    assert hooked == [200, 200]
    assert client.middleware[:2] == ["outer", "Hooks"]


# -- atomic jobs -----------------------------------------------------------------------------


def test_atomic_jobs_commit_fail_whole_and_run_when_awaited(v010: KeystoneEmulator) -> None:
    names = [unique("job") for _ in range(3)]

    async def main() -> None:
        async with AsyncKeystoneClient(v010.url) as client:
            await client.login(v010.admin_username, v010.admin_password)
            async with client.atomic() as job:
                team = job.create_team(name=names[0])
                job.update_team(team["id"], {"is_active": False})
            assert job.committed and [r.index for r in job.results or []] == [1, 2]
            kept = await client.retrieve_team(filters={"name": names[0]})
            assert [t["is_active"] for t in kept] == [False]
            with pytest.raises(JobError) as failed:
                async with client.atomic() as bad:
                    bad.create_team(name=names[2])
                    bad.delete_team(10**9)  # no such team: the job fails, nothing is kept
            assert failed.value.step == 2 and not bad.committed
            assert await client.retrieve_team(filters={"name": names[2]}) == []
            job = await client.atomic(dry_run=True)
            job.create_team(name=names[2])
            results = await job.run()
            assert len(results) == 1 and not job.committed
            assert await client.retrieve_team(filters={"name": names[2]}) == []
            not_ready = client.atomic()
            with pytest.raises(RuntimeError, match="does not know its server yet"):
                not_ready.create_team(name="x")
            with pytest.raises(TypeError, match=r"async with client\.atomic"), client.atomic():
                pass

    run(main)


def test_a_split_job_whose_second_part_fails_runs_only_the_rest_again(
    v010: KeystoneEmulator,
) -> None:
    posts: list[str] = []

    async def second_fails(request: Request, call_next: Any) -> Response:
        if request.url.rstrip("/").endswith("batch"):
            posts.append(request.method)
            if len(posts) == 2:  # as a proxy in front of the server might answer
                return Response(500, json={"detail": "A server error occurred."}, request=request)
        return await call_next(request)  # type: ignore[no-any-return]

    names = [unique("split") for _ in range(4)]

    async def main() -> None:
        client = AsyncKeystoneClient(v010.url, middleware=[second_fails])
        await client.login(v010.admin_username, v010.admin_password)
        job = await client.atomic(split=2)
        for name in names:
            job.create_team(name=name)
        with pytest.raises(ServerError):
            await job.run()
        assert [r.index for r in job.done] == [1, 2] and job.results is None
        assert [r.index for r in await job.run()] == [1, 2, 3, 4] and job.committed
        for name in names:
            assert len(await client.retrieve_team(filters={"name": name})) == 1
        await client.aclose()

    run(main)
    assert len(posts) == 3


def test_a_server_without_atomic_jobs_is_refused_before_sending() -> None:
    transport = MockTransport(lambda request: Response(200, json={}))
    client = AsyncKeystoneClient("http://keystone.test", transport=transport, server="0.3.26")

    async def main() -> None:
        with pytest.raises(UnsupportedError, match="has no atomic jobs"):
            await client.atomic()
        with pytest.raises(UnsupportedError, match="has no atomic jobs"):
            async with client.atomic():
                pass

    run(main)
    assert transport.requests == []


# -- list arguments, checked at the first step of async for ----------------------------------

REFUSED: list[tuple[str, str, dict[str, Any], type[Exception], str]] = [
    ("0.3.26", "cluster", {"filters": {"nmae": "x"}}, ValueError, "'nmae' is not a filter"),
    ("0.3.26", "cluster", {"search": "x"}, UnsupportedError, "cannot search clusters"),
    ("0.3.26", "cluster", {"order": "-id"}, UnsupportedError, "cannot order clusters"),
    ("0.3.26", "cluster", {"filters": {"name": object()}}, TypeError, "object"),
    ("0.3.26", "cluster", {"filters": {"id__in": ["b,c"]}}, ValueError, "contains a comma"),
    ("0.3.26", "cluster", {"filters": {"id__gt": math.nan}}, ValueError, "finite number"),
    ("0.10.9", "team", {"filters": {"nmae": "x"}}, ValueError, "'nmae' is not a filter of teams"),
    ("0.10.9", "cluster", {"workers": 0}, ValueError, "workers="),
    ("0.10.9", "cluster", {"workers": True}, ValueError, "workers="),
    ("0.10.9", "cluster", {"page_size": 0}, ValueError, "page_size"),
    ("0.10.9", "cluster", {"page_size": 5, "filters": {"_limit": 5}}, ValueError, "not both"),
    ("0.10.9", "app_log", {}, UnsupportedError, "use (retrieve|iter)_audit_log"),
]


@pytest.mark.parametrize(("api", "resource", "options", "error", "message"), REFUSED)
def test_list_arguments_are_refused_before_sending(
    api: str, resource: str, options: dict[str, Any], error: type[Exception], message: str
) -> None:
    """``retrieve_*`` refuses when awaited; ``iter_*`` at the first step of ``async for``
    (creating the iterator checks nothing); neither sends a request."""
    transport = MockTransport(lambda request: Response(200, json=[]))
    client = AsyncKeystoneClient("http://keystone.test", transport=transport, server=api)
    page_only = {"page_size"} & set(options)

    async def main() -> None:
        if not page_only:
            with pytest.raises(error, match=message):
                await getattr(client, f"retrieve_{resource}")(**options)
        records = getattr(client, f"iter_{resource}")(**options)  # nothing checked yet
        with pytest.raises(error, match=message):
            await records.__anext__()

    run(main)
    assert transport.requests == []


# -- pages -----------------------------------------------------------------------------------


def test_pages_read_in_parallel_give_every_record_once_in_order(v010: KeystoneEmulator) -> None:
    prefix = unique("pages")

    async def main() -> None:
        client = AsyncKeystoneClient(v010.url)
        await client.login(v010.admin_username, v010.admin_password)

        async def create(n: int) -> dict[str, Any]:
            return await client.create_cluster(name=f"{prefix}-{n:02}")

        assert not (await client.batch(create, range(23), workers=8)).failed
        mine = {"name__startswith": prefix, "_limit": 5}
        before = v010.stats.count(method="GET", path=CLUSTERS)
        records = await client.retrieve_cluster(filters=mine, workers=4)
        # The first page gives the count; each later one starts a record early (parallel.py).
        assert v010.stats.count(method="GET", path=CLUSTERS) - before == 6
        ids = [r["id"] for r in records]
        assert len(records) == 23 and ids == sorted(ids) and len(set(ids)) == 23
        walked = [r["id"] async for r in client.iter_cluster(filters=mine, workers=4)]
        assert walked == ids
        await client.logout()

    run(main)


def test_a_list_left_early_leaves_no_task_running(local_server: LocalServer) -> None:
    """Leaving ``async for`` (a ``break``, then the iterator dropped or closed) cancels the
    pages read ahead and waits for them: no task is left, and the connections answer right."""
    pages = 12

    def page(received: Any) -> Canned:
        number = int(received.path.partition("_page=")[2] or 1)
        body = {
            "count": pages * 10,
            "next": f"{local_server.url}allocations/clusters/?_page={number + 1}"
            if number < pages
            else None,
            "results": [{"id": (number - 1) * 10 + n + 1} for n in range(10)],
        }
        return Canned(200, body, delay=0.05)

    local_server.route("GET", CLUSTERS, page)
    local_server.route("GET", "/allocations/clusters/7/", Canned(200, {"id": 7}))

    async def main() -> None:
        before = asyncio.all_tasks()
        client = AsyncKeystoneClient(local_server.url, server="0.10.9", auth=StaticTokenAuth("k"))
        async for record in client.iter_cluster(workers=4):
            if record["id"] == 15:
                break
        for _ in range(5):  # the dropped iterator's aclose() runs as the loop's callback
            await asyncio.sleep(0.01)
        assert asyncio.all_tasks() == before
        records = client.iter_cluster(workers=4)
        async with contextlib.aclosing(records):
            assert (await records.__anext__())["id"] == 1
        assert asyncio.all_tasks() == before
        answers = await asyncio.gather(*(client.retrieve_cluster(pk=7) for _ in range(8)))
        assert answers == [{"id": 7}] * 8
        assert len(await client.retrieve_cluster(workers=4)) == pages * 10
        await client.aclose()

    run(main)


# -- writes whose outcome is unknown ---------------------------------------------------------


def test_a_post_whose_connection_drops_after_sending_is_outcome_unknown_and_sent_once(
    local_server: LocalServer,
) -> None:
    local_server.route("POST", CLUSTERS, Canned(drop=True))  # read, then closed unanswered

    async def main() -> None:
        client = AsyncKeystoneClient(local_server.url, auth=StaticTokenAuth("k"), server="0.10.9")
        with pytest.raises(OutcomeUnknownError) as info:
            await client.create_cluster(name="once")
        assert info.value.request_sent is True
        assert isinstance(info.value, keystone.ConnectionDroppedError)
        assert "It was not sent again because POST is not idempotent" in str(info.value)
        with pytest.raises(OutcomeUnknownError):
            await client.http_post("allocations/clusters", {"name": "twice?"})
        await client.aclose()

    run(main)
    posts = [r for r in local_server.received if r.method == "POST"]
    assert [r.json()["name"] for r in posts] == ["once", "twice?"]  # each sent once


# -- loops -----------------------------------------------------------------------------------


def test_one_client_serves_one_asyncio_run_after_another(line: KeystoneEmulator) -> None:
    client = AsyncKeystoneClient(line.url)

    async def first() -> None:
        await client.login(line.admin_username, line.admin_password)
        await asyncio.gather(*(client.retrieve_cluster() for _ in range(4)))

    async def second() -> list[Any]:
        results = await asyncio.gather(*(client.http_get("version") for _ in range(4)))
        await client.create_cluster(name=unique("second-loop"))
        await client.logout()
        await client.aclose()
        return [r.status_code for r in results]

    run(first)
    assert run(second) == [200] * 4


# -- secrets ---------------------------------------------------------------------------------

DAVE = UserSpec("dave", "Dave-pw-5k2Lq9")


@pytest.fixture(scope="module")
def sessions() -> Iterator[KeystoneEmulator]:
    with KeystoneEmulator(
        api="0.10.9", users=[DAVE], user_throttle=None, anon_throttle=None
    ) as emulator:
        yield emulator


def test_no_secret_in_logs_reprs_messages_or_pickled_errors(
    sessions: KeystoneEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    """The session's cookies and the password, collected from the wire, appear nowhere the
    async client writes: its logs at DEBUG (the wire log too), reprs, messages, errors
    pickled with their causes (as Dask's tblib does)."""
    support = pytest.importorskip("tblib.pickling_support")
    cookies: set[str] = set()

    class Wire(HookMiddleware):
        def on_response(self, request: Request, response: Response) -> None:
            for line in set_cookie_lines(response.headers):
                cookies.add(line.split(";")[0].partition("=")[2])

    caplog.set_level(logging.DEBUG, logger="keystone")
    errors: list[BaseException] = []

    async def main() -> str:
        client = AsyncKeystoneClient(
            sessions.url, auth=SessionAuth(), server="0.10.9", middleware=[per_attempt(Wire())]
        )
        await client.login(DAVE.username, DAVE.password)
        await client.http_get("authentication/whoami")
        sessions.end_sessions(DAVE.username)
        with pytest.raises(keystone.SessionExpiredError) as ended:
            await client.http_post("allocations/clusters", {"name": "after"})
        errors.append(ended.value)
        with pytest.raises(keystone.AuthenticationError) as refused:
            await client.login(DAVE.username, "wrong-" + DAVE.password)
        errors.append(refused.value)
        await client.login(DAVE.username, DAVE.password)
        shown = repr(client) + repr(client.auth) + "".join(map(str, errors))
        await client.logout()
        await client.aclose()
        return shown

    shown = run(main)
    secrets = {c for c in cookies if c} | {DAVE.password}
    assert len(secrets) >= 3  # two sessions' cookies and the password
    for error in errors:
        support.install(error)
    pickled = b"".join(pickle.dumps(error) for error in errors)
    for secret in secrets:
        assert secret not in caplog.text and secret not in shown, secret
        assert secret.encode() not in pickled, secret
    assert "Cookie: ***" in caplog.text and "Set-Cookie: ***" in caplog.text


def test_errors_pickled_with_their_causes_keep_no_secret(local_server: LocalServer) -> None:
    support = pytest.importorskip("tblib.pickling_support")
    local_server.route("GET", "/slow/", Canned(200, {}, delay=1.0))
    errors: list[BaseException] = []

    async def main() -> None:
        client = AsyncKeystoneClient(
            local_server.url, timeout=0.2, retry=keystone.RetryPolicy.disabled()
        )
        with pytest.raises(keystone.ReadTimeout) as timed_out:
            await client.http_get("slow", params={"api_key": "hunter2"})
        errors.append(timed_out.value)
        await client.aclose()

    run(main)
    for error in errors:
        support.install(error)
        pickled = pickle.dumps(error)
        assert b"hunter2" not in pickled
        assert type(pickle.loads(pickled)) is type(error)
        assert "hunter2" not in str(error.__cause__) and "Timeout" in str(error.__cause__)


# -- without aiohttp -------------------------------------------------------------------------

WITHOUT_AIOHTTP = """
import sys
sys.modules["aiohttp"] = None  # as if it were not installed
import asyncio, json
import keystone_client
from keystone_client import AsyncKeystoneClient, KeystoneClient, Response, StaticTokenAuth
from keystone.testing import MockTransport
KeystoneClient("http://keystone.test")
try:
    AsyncKeystoneClient("http://keystone.test")
except ImportError as error:
    refused = str(error)
else:
    refused = None
client = AsyncKeystoneClient(
    "http://keystone.test", server="0.10.9", auth=StaticTokenAuth("k"),
    transport=MockTransport(lambda request: Response(200, json={"id": 1})),
)
record = asyncio.run(client.retrieve_cluster(pk=1))
aio = "keystone._transport.aio" in sys.modules
print(json.dumps({"refused": refused, "record": record, "aio": aio}))
"""


def test_without_aiohttp_the_package_imports_and_the_async_client_says_what_to_install() -> None:
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_AIOHTTP], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    outcome = json.loads(done.stdout)
    assert "pip install 'aiohttp>=3.11,<4'" in outcome["refused"]
    assert outcome["record"] == {"id": 1}
    assert outcome["aio"] is False
