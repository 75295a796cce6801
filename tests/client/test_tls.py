"""TLS that cannot work: each failure says what is wrong, and is not retried in vain.

An ``https://`` URL at a plain-HTTP port, a certificate the client does not trust, one that
is not for the URL's host name: each would fail the same way on every attempt.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from local_server import Canned, LocalServer

import keystone
from keystone import KeystoneClient


@pytest.fixture
def plain() -> Iterator[LocalServer]:
    server = LocalServer().start()
    server.route("GET", "/version/", Canned(200, "0.10.9"))
    yield server
    server.stop()


@pytest.fixture
def secure(tmp_path: Path) -> Iterator[LocalServer]:
    server = LocalServer(tls_directory=tmp_path).start()
    server.route("GET", "/allocations/clusters/", Canned(200, []))
    yield server
    server.stop()


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_https_at_a_plain_http_port_says_so_at_once(plain: LocalServer, method: str) -> None:
    client = KeystoneClient(plain.url.replace("http://", "https://"), server="0.10.9")
    with pytest.raises(keystone.TLSError) as info:
        client.request(method, "allocations/clusters")
    message = str(info.value)
    assert "does not speak TLS (HTTPS) there" in message and "Use http://" in message
    assert info.value.attempts == 1  # not retried: it cannot succeed
    assert not info.value.request_sent
    assert isinstance(info.value, keystone.ConnectError)  # what older except clauses catch
    assert plain.received == []  # not even an HTTP request reached it


def test_a_first_call_at_a_plain_http_port_says_so_too(plain: LocalServer) -> None:
    client = KeystoneClient(plain.url.replace("http://", "https://"))
    with pytest.raises(keystone.KeystoneError, match="does not speak TLS"):
        client.retrieve_cluster()


def test_an_untrusted_certificate_is_not_retried(secure: LocalServer) -> None:
    client = KeystoneClient(secure.url, server="0.10.9")
    with pytest.raises(keystone.TLSError) as info:
        client.retrieve_cluster()
    assert "certificate was not accepted" in str(info.value) and "verify=" in str(info.value)
    assert info.value.attempts == 1


def test_a_certificate_for_another_host_is_not_retried(tmp_path: Path) -> None:
    trustme = pytest.importorskip("trustme")
    authority = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    authority.issue_cert("keystone.example.org").configure_cert(context)
    error, _ = _tls_error(context, authority, tmp_path, lambda client: client.retrieve_cluster())
    assert "host name" in str(error) and "127.0.0.1" in str(error)
    assert error.attempts == 1


def test_the_trusted_certificate_works(secure: LocalServer) -> None:
    assert secure.ca_path is not None
    client = KeystoneClient(secure.url, server="0.10.9", verify=secure.ca_path)
    assert client.retrieve_cluster() == []


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_server_that_requires_a_client_certificate_says_so_once(
    tmp_path: Path, method: str
) -> None:
    trustme = pytest.importorskip("trustme")
    authority = trustme.CA()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    context.verify_mode = ssl.CERT_REQUIRED  # mutual TLS: the client must show a certificate
    authority.configure_trust(context)
    # TLS 1.2 refuses within the handshake; TLS 1.3 after the client's side of it is done,
    # when the refusal races the close and may first read as a handshake cut short.
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    error, server = _tls_error(
        context, authority, tmp_path, lambda client: client.request(method, "allocations/clusters")
    )
    assert "refused the secure connection" in str(error)
    assert "client certificate" in str(error)
    assert error.attempts == 1 and server.received == []


def _tls_error(
    context: ssl.SSLContext, authority: Any, tmp_path: Path, call: Callable[[KeystoneClient], Any]
) -> tuple[keystone.TLSError, LocalServer]:
    """The ``TLSError`` that ``call(client)`` raises against a local server behind ``context``,
    the client trusting ``authority``; and the server, stopped."""
    authority.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    server = LocalServer()
    server.httpd.socket = context.wrap_socket(server.httpd.socket, server_side=True)
    server.start()
    try:
        client = KeystoneClient(
            f"https://127.0.0.1:{server.port}/", server="0.10.9", verify=str(tmp_path / "ca.pem")
        )
        with pytest.raises(keystone.TLSError) as info:
            call(client)
    finally:
        server.stop()
    return info.value, server
