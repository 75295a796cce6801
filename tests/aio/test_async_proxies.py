"""AsyncKeystoneClient through an HTTP proxy over real sockets (``tests/forward_proxy.py``): the
sync client's promises (``tests/client/test_proxies.py``) kept by the aiohttp transport."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from forward_proxy import ForwardProxy
from local_server import Canned, LocalServer

import keystone
from keystone import AsyncKeystoneClient, RetryPolicy
from keystone._transport.aio import AiohttpTransport
from keystone._urls import BaseURL
from keystone.testing import KeystoneEmulator
from keystone.testing.tls import CERT_NAME, KEY_NAME, make_certificates, server_context

USER, PASSWORD = "proxy user", "pr0xy:s3cret@"
ONCE = RetryPolicy(max_attempts=1)
PROXY_VARIABLES = (
    "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY",
    "http_proxy", "https_proxy", "all_proxy", "no_proxy", "REQUEST_METHOD",
)  # fmt: skip
T = TypeVar("T")


def run(make: Callable[[], Awaitable[T]]) -> T:
    async def main() -> T:
        return await make()

    return asyncio.run(asyncio.wait_for(main(), 60))


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def proxy() -> Iterator[ForwardProxy]:
    with ForwardProxy(credentials=(USER, PASSWORD)) as running:
        yield running


@pytest.fixture(scope="module")
def tls_emulator() -> Iterator[KeystoneEmulator]:
    with KeystoneEmulator(api="0.10.9", tls=True, user_throttle=None, anon_throttle=None) as s:
        yield s


@pytest.fixture(scope="module")
def origins(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalServer, LocalServer]]:
    plain = LocalServer().start()
    secure = LocalServer(tls_directory=tmp_path_factory.mktemp("origin-tls")).start()
    for server in (plain, secure):
        server.route("GET", "/api/echo/", Canned(body={"ok": True}))
    yield plain, secure
    plain.stop()
    secure.stop()


def _get(url: str, **options: object) -> dict[str, object]:
    async def go() -> dict[str, object]:
        async with AsyncKeystoneClient(url, retry=ONCE, **options) as client:  # type: ignore[arg-type]
            answer: dict[str, object] = (await client.http_get("echo")).json()
            return answer

    return run(go)


def test_https_to_the_emulator_goes_through_a_connect_tunnel(
    proxy: ForwardProxy, tls_emulator: KeystoneEmulator
) -> None:
    proxy.clear()

    async def go() -> bool:
        async with AsyncKeystoneClient(
            tls_emulator.url, proxy=proxy.url_with(USER, PASSWORD), verify=tls_emulator.ca_path
        ) as client:
            await client.login(tls_emulator.admin_username, tls_emulator.admin_password)
            return (await client.http_get("authentication/whoami")).ok

    assert run(go)
    assert set(proxy.methods()) == {"CONNECT"}
    assert set(proxy.connect_hosts()) == {f"{tls_emulator.host}:{tls_emulator.port}"}
    assert set(proxy.authorizations()) == {proxy.expected_authorization}


def test_http_goes_in_absolute_form_and_the_server_never_sees_the_credentials(
    proxy: ForwardProxy, origins: tuple[LocalServer, LocalServer]
) -> None:
    for server in origins:
        proxy.clear()
        url = server.url + "api/"
        assert _get(url, proxy=proxy.url_with(USER, PASSWORD), verify=server.ca_path or True)
        assert not any(name.lower().startswith("proxy-") for name in server.last.headers)
        assert proxy.authorizations() == [proxy.expected_authorization]
        expected = f"{url}echo/" if server.ca_path is None else server.url[8:].rstrip("/")
        assert proxy.targets() == [expected]


def test_the_environment_decides_and_trust_env_false_ignores_it(
    monkeypatch: pytest.MonkeyPatch,
    proxy: ForwardProxy,
    origins: tuple[LocalServer, LocalServer],
) -> None:
    plain, _ = origins
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("http_proxy", proxy.url_with(USER, PASSWORD))  # lower case wins
    proxy.clear()
    assert _get(plain.url + "api/") == {"ok": True}
    assert proxy.targets() == [f"{plain.url}api/echo/"]
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    proxy.clear()
    assert _get(plain.url + "api/") == {"ok": True}
    assert proxy.targets() == []
    monkeypatch.delenv("no_proxy")
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    assert _get(plain.url + "api/", trust_env=False) == {"ok": True}


@pytest.mark.parametrize("secure", [False, True], ids=["http", "https"])
def test_wrong_credentials_407_is_a_proxy_error_naming_the_proxy(
    proxy: ForwardProxy, origins: tuple[LocalServer, LocalServer], secure: bool
) -> None:
    server = origins[secure]
    wrong = "not-the-password"
    before = len(server.received)
    with pytest.raises(keystone.ProxyError) as caught:
        _get(server.url + "api/", proxy=proxy.url_with(USER, wrong), verify=server.ca_path or True)
    error = caught.value
    assert "407" in str(error) and f"127.0.0.1:{proxy.port}" in str(error)
    assert wrong not in f"{error} {error!r} {error.__cause__!r}"
    assert error.request_sent is False
    assert len(server.received) == before


def test_an_unreachable_proxy_shows_no_password_in_errors_or_logs(
    caplog: pytest.LogCaptureFixture, origins: tuple[LocalServer, LocalServer]
) -> None:
    caplog.set_level(logging.DEBUG)
    for server in origins:
        with pytest.raises(keystone.ConnectError) as caught:
            _get(
                server.url + "api/",
                proxy=f"http://u:{PASSWORD}@127.0.0.1:9",
                verify=server.ca_path or True,
            )
        error = caught.value
        assert "could not connect through the proxy" in str(error)
        assert "127.0.0.1:9" in str(error) and error.request_sent is False
        for shown in (str(error), repr(error), repr(error.__cause__), caplog.text):
            assert "s3cret" not in shown


@pytest.mark.parametrize(
    ("proxy", "error"),
    [("proxy.example:3128", ValueError), ("socks5://u:hunter2@h:1", ValueError), (1, TypeError)],
)
def test_bad_proxy_values_are_refused_at_construction(
    proxy: object, error: type[Exception]
) -> None:
    with pytest.raises(error) as caught:
        AiohttpTransport(BaseURL("http://keystone.example/"), proxy=proxy)  # type: ignore[arg-type]
    assert "hunter2" not in str(caught.value) and "proxy" in str(caught.value)


def test_a_proxy_that_cannot_reach_the_server_is_an_outage_and_retried() -> None:
    """A CONNECT answered 502 is tried again, as an unreachable server would be."""
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there

    async def get() -> None:
        async with AsyncKeystoneClient(
            f"https://127.0.0.1:{port}/api/",
            proxy=open_proxy.url,
            retry=RetryPolicy(max_attempts=2, backoff_base=0.001, backoff_cap=0.001),
        ) as client:
            await client.http_get("echo")

    with ForwardProxy() as open_proxy:
        with pytest.raises(keystone.ConnectError) as caught:
            run(get)
        assert open_proxy.connect_hosts() == [f"127.0.0.1:{port}"] * 2  # sent again
    assert not isinstance(caught.value, keystone.ProxyError)
    assert "could not reach the server" in str(caught.value) and "502" in str(caught.value)
    assert caught.value.request_sent is False


def test_an_https_proxy_is_spoken_to_over_tls_and_its_certificate_checked(
    origins: tuple[LocalServer, LocalServer], tmp_path: Path
) -> None:
    plain, secure = origins
    assert secure.ca_path is not None
    directory = Path(secure.ca_path).parent
    trusted = server_context(str(directory / CERT_NAME), str(directory / KEY_NAME))
    with ForwardProxy(credentials=(USER, PASSWORD), tls=trusted) as tls_proxy:
        for server in (plain, secure):
            answer = _get(
                server.url + "api/", proxy=tls_proxy.url_with(USER, PASSWORD), verify=secure.ca_path
            )
            assert answer == {"ok": True}
        assert tls_proxy.methods() == ["GET", "CONNECT"]
        assert set(tls_proxy.authorizations()) == {tls_proxy.expected_authorization}
    other = make_certificates(tmp_path)  # a proxy certificate of a CA the client does not trust
    with ForwardProxy(tls=server_context(other.cert_path, other.key_path)) as untrusted:
        with pytest.raises(keystone.TLSError, match=r"certificate of the proxy https://127") as e:
            _get(secure.url + "api/", proxy=untrusted.url, verify=secure.ca_path)
        assert "verify=" in str(e.value) and e.value.request_sent is False
        assert untrusted.methods() == []
