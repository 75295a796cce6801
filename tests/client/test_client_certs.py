"""Mutual TLS and CA bundles from the environment, against the emulator requiring a client
certificate (``KeystoneEmulator(tls=True, client_certs=True)``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import keystone
from keystone import KeystoneClient, RetryPolicy
from keystone.testing import KeystoneEmulator

ONCE = RetryPolicy(max_attempts=1)
CA_VARIABLES = ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR", "CURL_CA_BUNDLE")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (*CA_VARIABLES, "HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def emulator() -> Iterator[KeystoneEmulator]:
    with KeystoneEmulator(
        api="0.10.9", tls=True, client_certs=True, user_throttle=None, anon_throttle=None
    ) as server:
        yield server


@pytest.fixture(scope="module")
def combined(emulator: KeystoneEmulator, tmp_path_factory: pytest.TempPathFactory) -> str:
    """The client certificate and its key in one PEM file (``cert="path"``)."""
    assert emulator.client_cert_path and emulator.client_key_path
    path = tmp_path_factory.mktemp("client-cert") / "client.pem"
    path.write_bytes(
        Path(emulator.client_cert_path).read_bytes() + Path(emulator.client_key_path).read_bytes()
    )
    return str(path)


def _pair(emulator: KeystoneEmulator) -> tuple[str, str]:
    assert emulator.client_cert_path and emulator.client_key_path
    return emulator.client_cert_path, emulator.client_key_path


def test_without_a_client_certificate_the_server_refuses(emulator: KeystoneEmulator) -> None:
    client = KeystoneClient(emulator.url, verify=emulator.ca_path, retry=ONCE)
    # Over TLS 1.3 the server's refusal arrives after the client's side of the handshake:
    # depending on timing it reads as the TLS alert naming the certificate, as the server
    # closing the handshake (EOF), or as a connection dropped under the request.
    with pytest.raises(keystone.TransportError) as caught:
        client.http_get("version")
    error = caught.value
    assert (
        "certificate" in str(error)
        or "EOF" in str(error)
        or isinstance(error, keystone.ConnectionDroppedError)
    )
    assert not isinstance(error, keystone.TransportTimeout)


@pytest.mark.parametrize("form", ["pair", "one file"])
def test_with_a_client_certificate_it_serves(
    emulator: KeystoneEmulator, combined: str, form: str
) -> None:
    cert = _pair(emulator) if form == "pair" else combined
    client = KeystoneClient(emulator.url, verify=emulator.ca_path, cert=cert)
    client.login(emulator.admin_username, emulator.admin_password)
    assert client.http_get("authentication/whoami").ok


def test_the_emulators_control_channel_presents_the_certificate(
    emulator: KeystoneEmulator,
) -> None:
    emulator.stats.reset()  # over the same mutual TLS: it would fail without the certificate
    client = KeystoneClient(emulator.url, verify=emulator.ca_path, cert=_pair(emulator))
    assert client.http_get("version").ok
    assert emulator.stats.count(method="GET") >= 1


def test_a_missing_or_bad_certificate_is_refused_at_construction(
    emulator: KeystoneEmulator, tmp_path: Path
) -> None:
    missing = str(tmp_path / "nowhere.pem")
    with pytest.raises(ValueError, match=r"nowhere\.pem"):
        KeystoneClient(emulator.url, cert=missing)
    assert emulator.client_key_path
    cert_only = tmp_path / "cert-only.pem"
    cert_only.write_bytes(Path(_pair(emulator)[0]).read_bytes())
    with pytest.raises(ValueError, match=r"cert-only\.pem") as caught:
        KeystoneClient(emulator.url, cert=str(cert_only))
    assert "PRIVATE KEY" not in str(caught.value)
    with pytest.raises(TypeError, match="cert="):
        KeystoneClient(emulator.url, cert=["a", "b"])  # type: ignore[arg-type]


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"])
def test_a_ca_bundle_variable_makes_verify_true_trust_it(
    monkeypatch: pytest.MonkeyPatch, emulator: KeystoneEmulator, variable: str
) -> None:
    assert emulator.ca_path
    monkeypatch.setenv(variable, emulator.ca_path)
    client = KeystoneClient(emulator.url, cert=_pair(emulator), retry=ONCE)
    assert client.http_get("version").ok
    ignoring = KeystoneClient(emulator.url, cert=_pair(emulator), trust_env=False, retry=ONCE)
    with pytest.raises(keystone.TLSError, match="certificate was not accepted"):
        ignoring.http_get("version")
    given = KeystoneClient(emulator.url, cert=_pair(emulator), verify=emulator.ca_path)
    assert given.http_get("version").ok  # verify= wins, whatever the environment


def test_ssl_cert_dir_is_a_directory_of_certificates(
    monkeypatch: pytest.MonkeyPatch, emulator: KeystoneEmulator, tmp_path: Path
) -> None:
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path / "absent"))
    with pytest.raises(ValueError, match="SSL_CERT_DIR"):
        KeystoneClient(emulator.url)


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"])
def test_a_variable_pointing_nowhere_is_refused_naming_it(
    monkeypatch: pytest.MonkeyPatch, emulator: KeystoneEmulator, variable: str
) -> None:
    monkeypatch.setenv(variable, "/nonexistent/ca.pem")
    with pytest.raises(ValueError, match=variable) as caught:
        KeystoneClient(emulator.url)
    assert "trust_env=False" in str(caught.value)
    assert KeystoneClient(emulator.url, trust_env=False).url  # ignored: not refused
