"""Mutual TLS and CA bundles from the environment with AsyncKeystoneClient (the aiohttp
transport), against the emulator requiring a client certificate."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

import keystone
from keystone import AsyncKeystoneClient, RetryPolicy
from keystone.testing import KeystoneEmulator

ONCE = RetryPolicy(max_attempts=1)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR", "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.fixture(scope="module")
def emulator() -> Iterator[KeystoneEmulator]:
    with KeystoneEmulator(
        api="0.10.9", tls=True, client_certs=True, user_throttle=None, anon_throttle=None
    ) as server:
        yield server


def _version(emulator: KeystoneEmulator, **options: object) -> bool:
    async def go() -> bool:
        async with AsyncKeystoneClient(emulator.url, retry=ONCE, **options) as client:  # type: ignore[arg-type]
            return (await client.http_get("version")).ok

    return asyncio.run(asyncio.wait_for(go(), 60))


def _pair(emulator: KeystoneEmulator) -> tuple[str, str]:
    assert emulator.client_cert_path and emulator.client_key_path
    return emulator.client_cert_path, emulator.client_key_path


def test_refused_without_a_client_certificate(emulator: KeystoneEmulator) -> None:
    # Over TLS 1.3 the server's refusal comes after the client's handshake is done: asyncio
    # may see it as the connection dropped under the request rather than as a TLS alert.
    with pytest.raises(keystone.TransportError) as caught:
        _version(emulator, verify=emulator.ca_path)
    assert "127.0.0.1" in str(caught.value)
    assert not isinstance(caught.value, keystone.TransportTimeout)


def test_served_with_one_in_either_form(emulator: KeystoneEmulator, tmp_path: Path) -> None:
    cert, key = _pair(emulator)
    assert _version(emulator, verify=emulator.ca_path, cert=(cert, key))
    combined = tmp_path / "client.pem"
    combined.write_bytes(Path(cert).read_bytes() + Path(key).read_bytes())
    assert _version(emulator, verify=emulator.ca_path, cert=str(combined))


def test_a_missing_certificate_file_is_refused_at_construction(
    emulator: KeystoneEmulator, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match=r"absent\.pem"):
        AsyncKeystoneClient(emulator.url, cert=str(tmp_path / "absent.pem"))


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "SSL_CERT_FILE"])
def test_ca_bundle_variables_trusted_unless_trust_env_false(
    monkeypatch: pytest.MonkeyPatch, emulator: KeystoneEmulator, variable: str
) -> None:
    assert emulator.ca_path
    monkeypatch.setenv(variable, emulator.ca_path)
    assert _version(emulator, cert=_pair(emulator))
    with pytest.raises(keystone.TLSError, match="certificate was not accepted"):
        _version(emulator, cert=_pair(emulator), trust_env=False)
    monkeypatch.setenv(variable, "/nonexistent/ca.pem")
    with pytest.raises(ValueError, match=variable):
        AsyncKeystoneClient(emulator.url)
