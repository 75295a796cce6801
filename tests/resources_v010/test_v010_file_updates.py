"""Files after creation: ``update_*`` with a file field sends multipart as ``create_*`` does,
and ``http_post(..., files=)`` uploads the way the official client's scripts do, over the
emulator's real Django stack."""

from __future__ import annotations

from typing import Any

from resource_helpers import unique

from keystone import KeystoneClient


def test_update_replaces_the_file_of_an_attachment(
    admin: KeystoneClient, graph: dict[str, Any]
) -> None:
    first = unique("first") + ".csv"
    created = admin.create_attachment(request=graph["request"]["id"], file=(first, b"a,b\n"))
    second = unique("second") + ".csv"
    updated = admin.update_attachment(created["id"], file=(second, b"c,d\n"), name="Renamed")
    assert updated["name"] == "Renamed"
    assert updated["file"].endswith(second)
    assert admin.retrieve_attachment(pk=created["id"]) == updated


def test_http_post_with_files_uploads_an_attachment(
    admin: KeystoneClient, graph: dict[str, Any]
) -> None:
    name = unique("posted") + ".csv"
    response = admin.http_post(
        "allocations/attachments/",
        {"request": graph["request"]["id"]},
        files={"file": (name, b"x,y\n")},
    )
    assert response.status_code == 201
    record = response.json()
    assert record["file"].endswith(name) and record["request"] == graph["request"]["id"]
    assert admin.retrieve_attachment(pk=record["id"]) == record
