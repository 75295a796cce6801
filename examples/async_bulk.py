"""Bulk work with the async client: make, read and remove many clusters from one process.

Against your own server (of any release: Keystone 0.3.26 to v0.10.9)::

    KEYSTONE_URL=https://keystone.example.org KEYSTONE_USERNAME=me KEYSTONE_PASSWORD=... \
        python examples/async_bulk.py

Without ``KEYSTONE_URL`` it runs twice, against a local Keystone emulator
(``keystone.testing``) of the oldest and the newest release (0.3.26 and v0.10.9), with its admin
account: the same code for both. Needs the ``async`` extra (aiohttp).
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from typing import Any

from keystone_client import AsyncKeystoneClient

COUNT = 50


async def run(url: str, username: str, password: str) -> None:
    async with AsyncKeystoneClient(url=url) as client:
        await client.login(username=username, password=password)
        print(f"logged in to {client.url} ({(await client.server()).describe}) as {username}")
        prefix = f"bulk-{uuid.uuid4().hex[:8]}"

        async def make(n: int) -> dict[str, Any]:
            return await client.create_cluster(name=f"{prefix}-{n}", description="bulk")

        made = await client.batch(make, range(COUNT), workers=16)
        made.raise_for_errors()
        print(f"created {len(made)} clusters in {made.elapsed:.2f} s")

        found = [c async for c in client.iter_cluster(filters={"name__startswith": prefix})]
        print(f"listed {len(found)} of them with async for")

        async def remove(record: dict[str, Any]) -> None:
            await client.delete_cluster(pk=record["id"])

        removed = await client.batch(remove, found, workers=16)
        removed.raise_for_errors()
        print(f"deleted {len(removed)} clusters in {removed.elapsed:.2f} s")
        await client.logout()
        print("logged out")


def main() -> int:
    url = os.environ.get("KEYSTONE_URL")
    if url:
        username = os.environ.get("KEYSTONE_USERNAME")
        password = os.environ.get("KEYSTONE_PASSWORD")
        if not username or not password:
            print("set KEYSTONE_USERNAME and KEYSTONE_PASSWORD too", file=sys.stderr)
            return 2
        asyncio.run(run(url, username, password))
        return 0

    from keystone.testing import KeystoneEmulator

    for api in ("0.3.26", "0.10.9"):
        with KeystoneEmulator(api=api, user_throttle=None) as emulator:
            print(f"started a local Keystone {api} emulator at {emulator.url}")
            asyncio.run(run(emulator.url, emulator.admin_username, emulator.admin_password))
    return 0


if __name__ == "__main__":
    sys.exit(main())
