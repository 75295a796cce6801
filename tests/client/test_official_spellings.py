"""The official Keystone client's spellings run here too: ``base_url=`` beside ``url=``,
``verify_ssl=`` beside ``verify=``, the ``base_url`` property, ``files=`` on the body verbs;
and what is refused, before anything is sent, when both spellings are given and disagree."""

from __future__ import annotations

import pytest
from local_server import Canned, LocalServer

from keystone import AsyncKeystoneClient, KeystoneClient, Request, Response
from keystone.testing import MockTransport


def test_base_url_is_url_under_the_official_clients_name(local_server: LocalServer) -> None:
    local_server.route("GET", "/allocations/clusters/", Canned(200, []))
    client = KeystoneClient(base_url=local_server.url.rstrip("/"), verify_ssl=True)
    assert client.base_url == client.url == local_server.url
    assert client.http_get("allocations/clusters/").json() == []
    assert [r.path for r in local_server.received][-1] == "/allocations/clusters/"


def test_the_async_client_takes_the_same_spellings() -> None:
    client = AsyncKeystoneClient(
        base_url="http://localhost:8000", verify_ssl=True, transport=MockTransport(lambda r: None)
    )
    assert client.base_url == "http://localhost:8000/"


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"url": "http://a:1", "base_url": "http://b:1"}, r"url='http://a:1' and base_url="),
        ({"verify": False, "verify_ssl": True}, r"verify=False and verify_ssl=True"),
    ],
)
def test_two_spellings_that_disagree_are_refused(given: dict[str, object], message: str) -> None:
    options = {"url": "http://a:1", **given}
    with pytest.raises(ValueError, match=message + r".*give one of them"):
        KeystoneClient(**options)  # type: ignore[arg-type]


def test_two_spellings_that_agree_are_one_setting() -> None:
    client = KeystoneClient(url="http://a:1", base_url="http://a:1", verify=True, verify_ssl=True)
    assert client.url == "http://a:1/"


def test_verify_ssl_false_turns_verification_off_with_its_warning() -> None:
    with pytest.warns(UserWarning, match="TLS certificate verification is off"):
        KeystoneClient("https://localhost:8443", verify_ssl=False)


def test_files_are_sent_as_a_multipart_form_with_the_data_fields(
    local_server: LocalServer,
) -> None:
    local_server.route("POST", "/uploads/", Canned(201, {"id": 1}))
    client = KeystoneClient(local_server.url)
    response = client.http_post(
        "uploads/", {"request": 7, "name": "Budget"}, files={"file": ("budget.csv", b"a,b\n")}
    )
    assert response.status_code == 201
    sent = local_server.received[-1]
    content_type = sent.headers["Content-Type"]
    assert content_type.startswith("multipart/form-data; boundary=")
    boundary = content_type.split("boundary=", 1)[1].encode()
    parts = sent.body.split(b"--" + boundary)
    assert any(b'name="request"' in p and p.endswith(b"\r\n7\r\n") for p in parts)
    assert any(b'name="name"' in p and b"\r\nBudget\r\n" in p for p in parts)
    (file_part,) = [p for p in parts if b'name="file"' in p]
    assert b'filename="budget.csv"' in file_part and b"Content-Type: text/csv" in file_part
    assert file_part.endswith(b"\r\na,b\n\r\n")


@pytest.mark.parametrize("verb", ["http_put", "http_patch"])
def test_put_and_patch_take_files_too(local_server: LocalServer, verb: str) -> None:
    local_server.route("*", "/uploads/1/", Canned(200, {"id": 1}))
    client = KeystoneClient(local_server.url)
    getattr(client, verb)("uploads/1/", files={"file": ("a.txt", b"x")})
    sent = local_server.received[-1]
    assert sent.method == verb.removeprefix("http_").upper()
    assert sent.headers["Content-Type"].startswith("multipart/form-data; boundary=")
    assert b'filename="a.txt"' in sent.body


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"files": {"file": b"no name"}}, ValueError, r"'file' got bytes without a file name"),
        ({"files": {}}, TypeError, r"files= must be a mapping of field names to files"),
        ({"files": ["a.txt"]}, TypeError, r"files= must be a mapping"),
        (
            {"data": b"raw", "files": {"f": ("a.txt", b"x")}},
            TypeError,
            r"with files=, the other fields .* must be a mapping, not bytes",
        ),
        (
            {"data": {"f": 1}, "files": {"f": ("a.txt", b"x")}},
            ValueError,
            r"'f' given in both files= and data=",
        ),
        (
            {"files": {"f": ("a.txt", b"x")}, "headers": {"content-type": "text/plain"}},
            ValueError,
            r"leave Content-Type out of headers=",
        ),
    ],
)
def test_bad_files_are_refused_before_anything_is_sent(
    options: dict[str, object], error: type[Exception], message: str
) -> None:
    sent: list[Request] = []

    def handler(request: Request) -> Response:
        sent.append(request)
        return Response(201)

    client = KeystoneClient("http://localhost:8000", transport=MockTransport(handler))
    with pytest.raises(error, match=message):
        client.http_post("uploads/", **options)  # type: ignore[arg-type]
    assert sent == []
