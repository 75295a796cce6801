"""Attachments: files uploaded as multipart/form-data, and what is refused before sending."""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

import pytest
from resource_helpers import unique

from keystone import KeystoneClient, Response, UnsupportedError, ValidationError
from keystone.testing import KeystoneEmulator, MockTransport

PDF = b"%PDF-1.4\n% a small document\n"


def _stored(admin: KeystoneClient, record: dict[str, Any]) -> dict[str, Any]:
    stored = admin.retrieve_attachment(pk=record["id"])
    assert stored is not None
    return stored


@pytest.mark.parametrize("kind", ["tuple", "tuple with type", "path", "binary file"])
def test_a_file_is_uploaded_from_each_kind_of_value(
    admin: KeystoneClient, graph: dict[str, Any], tmp_path: Path, kind: str
) -> None:
    name = unique("proposal") + ".pdf"
    path = tmp_path / name
    path.write_bytes(PDF)
    values: dict[str, Any] = {
        "tuple": (name, PDF),
        "tuple with type": (name, PDF, "application/pdf"),
        "path": path,
    }
    if kind == "binary file":
        with open(path, "rb") as opened:
            created = admin.create_attachment(request=graph["request"]["id"], file=opened)
    else:
        created = admin.create_attachment(request=graph["request"]["id"], file=values[kind])
    assert created["name"] == name
    assert created["file"].endswith(name)
    assert created["request"] == graph["request"]["id"]
    assert _stored(admin, created) == created


def test_text_fields_go_with_the_file(admin: KeystoneClient, graph: dict[str, Any]) -> None:
    created = admin.create_attachment(
        {"request": graph["request"]["id"], "name": "Budget 2025.csv"},
        file=("budget.csv", b"a,b\n1,2\n"),
    )
    assert created["name"] == "Budget 2025.csv"


def test_the_servers_file_type_refusal_is_a_validation_error_naming_it(
    admin: KeystoneClient, graph: dict[str, Any]
) -> None:
    with pytest.raises(ValidationError) as caught:
        admin.create_attachment(request=graph["request"]["id"], file=("tool.exe", b"MZ\x90\x00"))
    assert "file" in caught.value.errors
    assert "is not allowed" in str(caught.value)
    assert "POST " in str(caught.value) and "allocations/attachments/" in str(caught.value)


@pytest.mark.parametrize(
    ("value", "error", "fragment"),
    [
        (io.BytesIO(PDF), ValueError, r"has no name \(an in-memory stream\?\)"),
        (PDF, ValueError, "bytes without a file name"),
        (("doc.pdf",), ValueError, "not a tuple of 1"),
        (("", PDF), ValueError, "non-empty str"),
        (("doc.pdf", "text"), TypeError, "must be bytes"),
        (("doc.pdf", PDF, "pdf"), ValueError, "MIME type"),
        (("doc.pdf", PDF, "application/pdf\r\nX-Evil: 1"), ValueError, "no line breaks"),
        (("doc.pdf", PDF, "application/pdf\n"), ValueError, "no line breaks"),
        (("doc.pdf", PDF, "application/pdf; x=\x00"), ValueError, "control characters"),
        (12, TypeError, "is a file field"),
    ],
)
def test_a_file_the_server_could_not_judge_is_refused_before_any_request(
    emulator: KeystoneEmulator, value: Any, error: type, fragment: str
) -> None:
    client = KeystoneClient(emulator.url)  # not told its server: not even the probe is sent
    emulator.stats.reset()
    with pytest.raises(error, match=fragment) as caught:
        client.create_attachment(request=1, file=value)
    if "name" in fragment:
        assert "file=('proposal.pdf', data)" in str(caught.value)
    assert emulator.stats.total == 0


def test_a_content_type_with_parameters_is_accepted(
    admin: KeystoneClient, graph: dict[str, Any]
) -> None:
    name = unique("table") + ".csv"
    created = admin.create_attachment(
        request=graph["request"]["id"], file=(name, b"a,b\n", "text/csv; charset=utf-8")
    )
    assert created["name"] == name


def test_a_text_mode_file_is_refused(
    admin: KeystoneClient, tmp_path: Path, emulator: KeystoneEmulator
) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("notes")
    emulator.stats.reset()
    with open(path) as text, pytest.raises(TypeError, match="text mode; open it with open"):
        admin.create_attachment(request=1, file=text)
    with pytest.raises(FileNotFoundError):
        admin.create_attachment(request=1, file=tmp_path / "missing.pdf")
    with pytest.raises(ValueError, match="None, which a file upload"):
        admin.create_attachment(request=None, file=("a.pdf", PDF))
    assert emulator.stats.total == 0


def test_uploads_are_not_logged_byte_for_byte(
    admin: KeystoneClient, graph: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="keystone.wire"):
        admin.create_attachment(request=graph["request"]["id"], file=("secret.txt", b"TOPSECRET"))
    wire = "\n".join(r.getMessage() for r in caplog.records if r.name == "keystone.wire")
    assert "multipart/form-data: not shown" in wire
    assert "TOPSECRET" not in wire


def test_keystone_0_3_has_no_attachments() -> None:
    """Refused on the release alone, before sending: a ``MockTransport`` stands for the server."""
    transport = MockTransport(lambda request: Response(500))
    client = KeystoneClient("http://keystone.test", transport=transport, server="0.3")
    with pytest.raises(
        UnsupportedError,
        match=r"Keystone 0\.3\.26 has no attachments \(attachments are on Keystone 0\.5\.3 and",
    ):
        client.create_attachment(request=1, file=("a.pdf", PDF))
    assert transport.requests == []
