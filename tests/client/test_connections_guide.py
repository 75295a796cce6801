"""Every ```python block of docs/connections.md runs, in order, for real.

The guide's server (``https://keystone.example.org``, requiring a client certificate) is one
emulator serving mutual TLS (``KeystoneEmulator(tls=True, client_certs=True)``), its proxy
(``proxy.example:3128``, user ``alice``, password ``s3cret``) the forward proxy of
``tests/forward_proxy.py``. The guide's files (``ca.pem``, ``client-cert.pem``,
``client-key.pem``, ``client.pem``) become the emulator's. After each block the proxy's record
says whether the block's requests went through it as the guide says.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from forward_proxy import ForwardProxy
from guide_runner import DOCS, Block, guide_blocks

from keystone.testing import KeystoneEmulator

GUIDE = DOCS / "connections.md"
GUIDE_URL = "https://keystone.example.org"
GUIDE_HOST = "keystone.example.org"
GUIDE_PROXY = "proxy.example:3128"
USER, PASSWORD = "alice", "s3cret"
VARIABLES = (
    "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY",
    "http_proxy", "https_proxy", "all_proxy", "no_proxy", "REQUEST_METHOD",
    "REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR", "CURL_CA_BUNDLE",
)  # fmt: skip


@pytest.fixture(scope="module")
def emulator() -> Iterator[KeystoneEmulator]:
    with KeystoneEmulator(
        api="0.10.9", tls=True, client_certs=True, user_throttle=None, anon_throttle=None
    ) as server:
        yield server


@pytest.fixture(scope="module")
def proxy() -> Iterator[ForwardProxy]:
    with ForwardProxy(credentials=(USER, PASSWORD)) as running:
        yield running


@pytest.fixture
def environment() -> Iterator[None]:
    """None of the proxy or CA variables while the guide runs; the caller's back afterwards
    (the guide sets and deletes some of them)."""
    saved = {name: os.environ.pop(name) for name in VARIABLES if name in os.environ}
    try:
        yield
    finally:
        for name in VARIABLES:
            os.environ.pop(name, None)
        os.environ.update(saved)


def for_guide_server(
    code: str, emulator: KeystoneEmulator, proxy: ForwardProxy, combined: str
) -> str:
    """``code`` with the guide's server, proxy, files and credentials replaced by the test's."""
    assert emulator.ca_path and emulator.client_cert_path and emulator.client_key_path
    files = {
        '"ca.pem"': emulator.ca_path,
        '"client-cert.pem"': emulator.client_cert_path,
        '"client-key.pem"': emulator.client_key_path,
        '"client.pem"': combined,
    }
    code = code.replace(GUIDE_URL, emulator.url.rstrip("/")).replace(GUIDE_HOST, emulator.host)
    code = code.replace(GUIDE_PROXY, f"127.0.0.1:{proxy.port}")
    for written, path in files.items():
        code = code.replace(written, repr(path))
    code = code.replace('username="username"', f"username={emulator.admin_username!r}")
    return code.replace('password="password"', f"password={emulator.admin_password!r}")


def _run(block: Block, source: str, scope: dict[str, Any]) -> str:
    compiled = compile("\n" * (block.line - 1) + source, str(GUIDE), "exec")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compiled, scope)
    return printed.getvalue()


def test_every_example_of_the_connections_guide_runs(
    emulator: KeystoneEmulator,
    proxy: ForwardProxy,
    environment: None,
    tmp_path: Path,
) -> None:
    assert emulator.client_cert_path and emulator.client_key_path
    combined = tmp_path / "client.pem"
    combined.write_bytes(
        Path(emulator.client_cert_path).read_bytes() + Path(emulator.client_key_path).read_bytes()
    )
    blocks = guide_blocks(GUIDE.read_text(encoding="utf-8"))
    assert len(blocks) >= 10 and all(block.profile == "" for block in blocks)
    tunnel = f"{emulator.host}:{emulator.port}"
    scope: dict[str, Any] = {"__name__": "__main__"}
    outputs: list[str] = []
    for block in blocks:
        proxy.clear()
        source = for_guide_server(block.code, emulator, proxy, str(combined))
        assert "example.org" not in source.replace(".internal.example.org", "")
        outputs.append(printed := _run(block, source, scope))
        assert PASSWORD not in printed  # shown as ***, wherever the guide prints a proxy
        code = block.code
        seen = proxy.connect_hosts()
        proxied = 'proxy="http://alice:s3cret@proxy.example:3128"' in code or (
            'os.environ["HTTPS_PROXY"] =' in code
        )
        # trust_env=False ignores HTTPS_PROXY, NO_PROXY names the server, and the pickled
        # copy has no proxy: those go straight to the server.
        direct = "trust_env=False" in code or "NO_PROXY" in code or "pickle" in code
        if proxied and not direct:  # a tunnel per client, opened with the credentials
            assert seen and set(seen) == {tunnel}, (block.line, seen)
            assert set(proxy.authorizations()) == {proxy.expected_authorization}
        elif "not-the-password" in code:  # refused with 407: only the CONNECT reached it
            assert seen == [tunnel], (block.line, seen)
            assert proxy.authorizations()[0] != proxy.expected_authorization
        else:
            assert seen == [], (block.line, seen)

    # What the blocks printed and kept is what the guide says; it set no variable it kept.
    assert not any(name in os.environ for name in VARIABLES)
    assert scope["copy"].url == emulator.url  # the unpickled client, which answered
    assert any("its proxy= URL holds credentials" in text for text in outputs)  # not pickled
    assert any("***@127.0.0.1" in text and "407" in text for text in outputs)
    assert any("could not connect through the proxy" in text for text in outputs)
    assert any("the certificate and key could not be loaded" in text for text in outputs)
    assert outputs[-2].strip() == emulator.admin_username  # the async client, through the proxy

    # The last block defines a pytest fixture and a test: the test runs against this emulator.
    scope["test_whoami_with_a_client_certificate"](emulator)
