"""AsyncKeystoneClient configured by the environment, and its ``files=``: the same
configuration code as the sync client's, over aiohttp and real sockets."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Callable

from local_server import Canned, LocalServer

from keystone.testing import KeystoneEmulator

SCRIPT = """\
import asyncio

from keystone_client import AsyncKeystoneClient


async def main() -> None:
    async with AsyncKeystoneClient() as client:
        print("authenticated", client.is_authenticated)
        print("user", (await client.whoami())["username"])


asyncio.run(main())
"""


def test_an_async_script_configured_only_by_the_environment_runs(
    line_emulators: Callable[[str], KeystoneEmulator],
) -> None:
    emulator = line_emulators("0.10.9")
    token = emulator.create_token(emulator.admin_username)
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEYSTONE_")}
    env.update(KEYSTONE_URL=emulator.url, KEYSTONE_API_TOKEN=token, KEYSTONE_LOG="info")
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60, env=env
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["authenticated True", f"user {emulator.admin_username}"]
    assert " keystone.http INFO GET /version/ -> 200 OK" in done.stderr
    assert token not in done.stderr


def test_files_go_as_a_multipart_form_from_the_async_client(local_server: LocalServer) -> None:
    from keystone import AsyncKeystoneClient

    local_server.route("POST", "/uploads/", Canned(201, {"id": 1}))

    async def post() -> int:
        async with AsyncKeystoneClient(base_url=local_server.url) as client:
            response = await client.http_post(
                "uploads/", {"name": "Budget"}, files={"file": ("budget.csv", b"a,b\n")}
            )
            return response.status_code

    assert asyncio.run(post()) == 201
    sent = local_server.received[-1]
    assert sent.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert b'filename="budget.csv"' in sent.body and b"\r\nBudget\r\n" in sent.body
