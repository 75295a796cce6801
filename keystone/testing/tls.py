"""Throwaway TLS certificates for serving the emulator over HTTPS (``tls=True``, ``--tls``).

A fresh certificate authority (made with ``trustme``, part of the ``testing`` extra) signs a
server certificate for ``127.0.0.1``, ``::1`` and ``localhost``. The CA certificate is written
beside it so tests can verify the server for real (``ca_path``); nothing is trusted system-wide.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

CA_NAME = "ca.pem"
CERT_NAME = "server-cert.pem"
KEY_NAME = "server-key.pem"


@dataclass(frozen=True)
class TlsFiles:
    """Where one emulator's CA certificate, server certificate chain and key are."""

    ca_path: str
    cert_path: str
    key_path: str


def make_certificates(directory: Path, host: str = "127.0.0.1") -> TlsFiles:
    """Issue a server certificate (for ``host`` and the loopback names) under a new CA."""
    try:
        import trustme
    except ImportError as exc:  # pragma: no cover - the testing extra installs it
        raise RuntimeError(
            "serving the emulator over HTTPS needs trustme: "
            "pip install 'keystone-api-client[testing]'"
        ) from exc
    authority = trustme.CA()
    names = sorted({host, "127.0.0.1", "::1", "localhost"})
    certificate = authority.issue_cert(*names)
    files = TlsFiles(
        str(directory / CA_NAME), str(directory / CERT_NAME), str(directory / KEY_NAME)
    )
    authority.cert_pem.write_to_path(files.ca_path)
    certificate.private_key_pem.write_to_path(files.key_path)
    with open(files.cert_path, "wb") as chain:
        for blob in certificate.cert_chain_pems:
            chain.write(blob.bytes())
    return files


def server_context(cert_path: str, key_path: str) -> ssl.SSLContext:
    """The server side's TLS context."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return context


def client_context(ca_path: str | None) -> ssl.SSLContext:
    """A verifying client context trusting ``ca_path`` (else the system's CAs)."""
    return ssl.create_default_context(cafile=ca_path)
