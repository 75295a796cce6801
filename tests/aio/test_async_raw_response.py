"""``await client.with_raw_response.<method>(...)`` and ``update_*`` with keyword fields on
:class:`~keystone.AsyncKeystoneClient`.

Over real sockets (aiohttp) against the session's emulators of both generations: each call's
result is the plain method's, with the response(s) the server sent; a list read over pages
gives one response a page, in order, pages read one after another or several at once. A
``MockTransport`` shows refusals before anything is sent and that the requests finding out the
server are not the call's.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from keystone import (
    AsyncKeystoneClient,
    NotFoundError,
    Request,
    Response,
    StaticTokenAuth,
    ValidationError,
)
from keystone.testing import KeystoneEmulator, MockTransport

GENERATIONS = ["0.3.26", "0.10.9"]


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture(params=GENERATIONS)
def line(
    request: pytest.FixtureRequest, line_emulators: Callable[[str], KeystoneEmulator]
) -> KeystoneEmulator:
    """The session's emulator of each generation's last release line."""
    return line_emulators(request.param)


def run(main: Callable[[], Awaitable[Any]]) -> Any:
    return asyncio.run(asyncio.wait_for(main(), 60))  # a hang fails the test, not the suite


def test_every_write_and_read_with_its_response(line: KeystoneEmulator) -> None:
    async def main() -> None:
        async with AsyncKeystoneClient(line.url) as client:
            await client.login(line.admin_username, line.admin_password)
            raw = client.with_raw_response
            created = await raw.create_cluster(name=unique("araw"), description="made")
            assert created.status_code == 201
            record = created.parse()
            assert record == created.http_response.json()
            pk = record["id"]

            read = await raw.retrieve_cluster(pk=pk)
            assert read.parse() == await client.retrieve_cluster(pk=pk)
            assert read.headers["content-type"].startswith("application/json")
            assert urlsplit(read.http_response.url).path == f"/allocations/clusters/{pk}/"

            updated = await raw.update_cluster(pk=pk, description="by keyword")
            assert (updated.status_code, updated.parse()["description"]) == (200, "by keyword")
            plain = await client.update_cluster(pk, {"description": "positional"}, 10)
            assert type(plain) is dict and plain["description"] == "positional"

            deleted = await raw.delete_cluster(pk=pk)
            assert (deleted.parse(), deleted.status_code) == (None, 204)
            missing = await raw.retrieve_cluster(pk=pk)
            assert (missing.parse(), missing.status_code) == (None, 404)
            ignored = await raw.delete_cluster(pk=pk)
            assert (ignored.parse(), ignored.status_code) == (None, 404)
            with pytest.raises(NotFoundError) as caught:
                await raw.delete_cluster(pk=pk, raise_not_exists=True)
            assert caught.value.response.status_code == 404
            with pytest.raises(ValidationError) as invalid:
                await raw.create_cluster(data={"description": "no name"})
            assert invalid.value.response.status_code == 400

    run(main)


def test_a_list_gives_every_page_in_order(
    line_emulators: Callable[[str], KeystoneEmulator],
) -> None:
    emulator = line_emulators("0.10.9")
    prefix = unique("apaged")

    async def main() -> None:
        async with AsyncKeystoneClient(emulator.url) as client:
            await client.login(emulator.admin_username, emulator.admin_password)
            for n in range(5):
                await client.create_cluster(name=f"{prefix}-{n}")
            filters = {"name__startswith": prefix, "_limit": 2}
            plain = await client.retrieve_cluster(filters=filters)
            assert [r["name"] for r in plain] == [f"{prefix}-{n}" for n in range(5)]
            for workers in (1, 3):
                raw = await client.with_raw_response.retrieve_cluster(
                    filters=filters, workers=workers
                )
                assert raw.parse() == plain
                offsets = [_offset(r) for r in raw.http_responses]
                assert offsets[0] == 0 and offsets == sorted(set(offsets)), (workers, offsets)
                assert offsets[-1] + 2 >= 5, (workers, offsets)  # down to the last page
                assert raw.http_response is raw.http_responses[0]

    run(main)


def _offset(response: Response) -> int:
    return int(parse_qs(urlsplit(response.url).query).get("_offset", ["0"])[0])


def test_refusals_send_nothing_and_finding_the_server_is_not_the_calls() -> None:
    async def answer(request: Request) -> Response:
        if urlsplit(request.url).path == "/version/":
            return Response(200, text="0.10.9")
        return Response(200, json={"id": 7, "name": "found"})

    transport = MockTransport(answer)
    client = AsyncKeystoneClient(
        "http://keystone.test/", auth=StaticTokenAuth("k"), transport=transport
    )

    async def main() -> None:
        with pytest.raises(TypeError, match="update_cluster: no fields to change"):
            await client.update_cluster(pk=7)
        with pytest.raises(TypeError, match="'enabled' given twice with different values"):
            await client.with_raw_response.update_cluster(7, {"enabled": True}, enabled=False)
        assert transport.requests == []
        raw = await client.with_raw_response.retrieve_cluster(pk=7)
        sent = [urlsplit(request.url).path for request in transport.requests]
        assert sent[0] == "/version/" and sent[-1] == "/allocations/clusters/7/", sent
        assert [urlsplit(r.url).path for r in raw.http_responses] == ["/allocations/clusters/7/"]
        assert raw.parse() == {"id": 7, "name": "found"}
        await client.aclose()

    run(main)
