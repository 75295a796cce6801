"""The user guide in one run: log in, manage a cluster, read the server version, log out.

Against your own server (of any release: Keystone 0.3.26 to v0.10.9)::

    KEYSTONE_URL=https://keystone.example.org KEYSTONE_USERNAME=me KEYSTONE_PASSWORD=... \
        python examples/demo.py

Without ``KEYSTONE_URL`` it runs twice, against a local Keystone emulator
(``keystone.testing``) of the oldest and the newest release (0.3.26 and v0.10.9), with its admin
account: the same code for both.
"""

from __future__ import annotations

import os
import sys
import uuid
from typing import Any

from keystone_client import KeystoneClient


def summary(kind: str, record: dict[str, Any], *, other_fields: bool = False) -> str:
    """One line for a record: ``cluster 3 "demo-cluster": enabled, description "..."``; with
    ``other_fields``, the names of the fields a release adds (history, access teams...)."""
    state = "enabled" if record.get("enabled") else "disabled"
    line = f'{kind} {record["id"]} "{record["name"]}": {state}'
    line += f', description "{record["description"]}"' if record.get("description") else ""
    more = sorted(set(record) - {"id", "name", "enabled", "description"})
    if other_fields and more:
        line += f" (and {len(more)} more fields: {', '.join(more)})"
    return line


def run(url: str, username: str, password: str) -> None:
    with KeystoneClient(url=url) as client:
        client.login(username=username, password=password)
        assert client.is_authenticated
        print(f"logged in to {client.url} ({client.server.describe}) as {username}")
        print("  whoami:", client.whoami()["username"])
        print("  GET version/:", client.http_get("version").text)
        if client.server.note:  # e.g. a server installed from a source checkout reports 0.0.0
            print("  note:", client.server.note)

        name = f"demo-{uuid.uuid4().hex[:8]}"
        cluster = client.create_cluster(name=name, description="Created by the demo")
        print("  created:  ", summary("cluster", cluster, other_fields=True))

        found = client.retrieve_cluster(filters={"name": name})
        print(f"  filtered by name={name!r}: {len(found)} record(s)")
        for record in found:
            print("   ", summary("cluster", record))

        updated = client.update_cluster(pk=cluster["id"], data={"description": "Updated"})
        print("  updated:  ", summary("cluster", updated))

        client.delete_cluster(pk=cluster["id"])
        assert client.retrieve_cluster(pk=cluster["id"]) is None
        print(f"  deleted cluster {cluster['id']}: retrieve_cluster(pk={cluster['id']}) is None")

        client.logout()
        assert not client.is_authenticated
        print("  logged out")


def main() -> int:
    url = os.environ.get("KEYSTONE_URL")
    if url:
        username = os.environ.get("KEYSTONE_USERNAME")
        password = os.environ.get("KEYSTONE_PASSWORD")
        if not username or not password:
            print("set KEYSTONE_USERNAME and KEYSTONE_PASSWORD too", file=sys.stderr)
            return 2
        run(url, username, password)
        return 0

    from keystone.testing import KeystoneEmulator

    for api in ("0.3.26", "0.10.9"):
        with KeystoneEmulator(api=api) as emulator:
            print(f"started a local Keystone {api} emulator at {emulator.url}")
            run(emulator.url, emulator.admin_username, emulator.admin_password)
    return 0


if __name__ == "__main__":
    sys.exit(main())
