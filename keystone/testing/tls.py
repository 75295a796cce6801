"""Throwaway TLS certificates for serving the emulator over HTTPS (``tls=True``, ``--tls``).

A fresh certificate authority (made with ``trustme``, part of the ``testing`` extra) signs a
server certificate for ``127.0.0.1``, ``::1`` and ``localhost``. The CA certificate is written
beside it so tests can verify the server for real (``ca_path``); nothing is trusted system-wide.

With ``client_certs=True`` the same CA also issues a client certificate and key, and the server
requires every client to present a certificate that CA signed (mutual TLS). That mode belongs
to the directory: a ``client-ca.pem`` beside the server's certificate makes
:func:`server_context` require client certificates, and a ``client-cert.pem`` and
``client-key.pem`` beside the CA make :func:`client_context` present them, so the server
process and the emulator's control channel need no other setting.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path

CA_NAME = "ca.pem"
CERT_NAME = "server-cert.pem"
KEY_NAME = "server-key.pem"
CLIENT_CA_NAME = "client-ca.pem"
CLIENT_CERT_NAME = "client-cert.pem"
CLIENT_KEY_NAME = "client-key.pem"


@dataclass(frozen=True)
class TlsFiles:
    """Where one emulator's CA certificate, server certificate chain and key are, and the
    client certificate and key it requires (``None`` when it requires none)."""

    ca_path: str
    cert_path: str
    key_path: str
    client_cert_path: str | None = None
    client_key_path: str | None = None


def make_certificates(
    directory: Path, host: str = "127.0.0.1", *, client_certs: bool = False
) -> TlsFiles:
    """Issue a server certificate (for ``host`` and the loopback names) under a new CA, and
    with ``client_certs`` a client certificate the server will require (see above)."""
    try:
        import trustme
    except ImportError as exc:  # pragma: no cover - the testing extra installs it
        raise RuntimeError(
            "serving the emulator over HTTPS needs trustme, part of the testing extra: "
            "pip install trustme (or pip install '.[testing]' from a clone of the client)"
        ) from exc
    authority = trustme.CA()
    names = sorted({host, "127.0.0.1", "::1", "localhost"})
    certificate = authority.issue_cert(*names)
    files = TlsFiles(
        str(directory / CA_NAME),
        str(directory / CERT_NAME),
        str(directory / KEY_NAME),
        str(directory / CLIENT_CERT_NAME) if client_certs else None,
        str(directory / CLIENT_KEY_NAME) if client_certs else None,
    )
    authority.cert_pem.write_to_path(files.ca_path)
    certificate.private_key_pem.write_to_path(files.key_path)
    with open(files.cert_path, "wb") as chain:
        for blob in certificate.cert_chain_pems:
            chain.write(blob.bytes())
    if files.client_cert_path is not None and files.client_key_path is not None:
        client = authority.issue_cert("keystone-test-client@example.org")
        client.private_key_pem.write_to_path(files.client_key_path)
        with open(files.client_cert_path, "wb") as chain:
            for blob in client.cert_chain_pems:
                chain.write(blob.bytes())
        authority.cert_pem.write_to_path(str(directory / CLIENT_CA_NAME))
    return files


def server_context(cert_path: str, key_path: str) -> ssl.SSLContext:
    """The server side's TLS context; it requires client certificates signed by the
    ``client-ca.pem`` beside ``cert_path``, if there is one."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    client_ca = Path(cert_path).with_name(CLIENT_CA_NAME)
    if client_ca.is_file():
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(cafile=str(client_ca))
    return context


def client_context(ca_path: str | None) -> ssl.SSLContext:
    """A verifying client context trusting ``ca_path`` (else the system's CAs), presenting
    the client certificate beside ``ca_path`` when the emulator requires one."""
    context = ssl.create_default_context(cafile=ca_path)
    if ca_path is not None:
        cert = Path(ca_path).with_name(CLIENT_CERT_NAME)
        key = Path(ca_path).with_name(CLIENT_KEY_NAME)
        if cert.is_file() and key.is_file():
            context.load_cert_chain(str(cert), str(key))
    return context
