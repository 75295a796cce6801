"""The sync client through an HTTP proxy, over real sockets (``tests/forward_proxy.py``).

``http://`` requests go to the proxy in absolute form with ``Proxy-Authorization``; ``https://``
ones through a ``CONNECT`` tunnel, the credentials on the ``CONNECT`` alone; the environment's
``HTTP(S)_PROXY``/``NO_PROXY`` (lower case first) decide without ``proxy=``; ``trust_env=False``
ignores them; a proxy's password shows nowhere; a proxy that refuses or cannot be reached is a
``ConnectError`` naming it.
"""

from __future__ import annotations

import logging
import os
import pickle
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from forward_proxy import ForwardProxy
from local_server import Canned, LocalServer

import keystone
from keystone import KeystoneClient, RetryPolicy
from keystone._transport.http import HTTPTransport
from keystone._transport.network import Proxy
from keystone._urls import BaseURL
from keystone.testing import KeystoneEmulator
from keystone.testing.tls import CERT_NAME, KEY_NAME, make_certificates, server_context

USER, PASSWORD = "proxy user", "pr0xy:s3cret@"
ONCE = RetryPolicy(max_attempts=1)
PROXY_VARIABLES = (
    "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY",
    "http_proxy", "https_proxy", "all_proxy", "no_proxy", "REQUEST_METHOD",
)  # fmt: skip


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def proxy() -> Iterator[ForwardProxy]:
    with ForwardProxy(credentials=(USER, PASSWORD)) as running:
        yield running


@pytest.fixture(scope="module")
def open_proxy() -> Iterator[ForwardProxy]:
    with ForwardProxy() as running:
        yield running


@pytest.fixture(scope="module")
def emulator() -> Iterator[KeystoneEmulator]:
    with KeystoneEmulator(api="0.10.9", user_throttle=None, anon_throttle=None) as server:
        yield server


@pytest.fixture(scope="module")
def tls_emulator() -> Iterator[KeystoneEmulator]:
    with KeystoneEmulator(api="0.10.9", tls=True, user_throttle=None, anon_throttle=None) as s:
        yield s


@pytest.fixture(scope="module")
def origins(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LocalServer, LocalServer]]:
    """A plain and a TLS origin that record every header they receive."""
    plain = LocalServer().start()
    secure = LocalServer(tls_directory=tmp_path_factory.mktemp("origin-tls")).start()
    for server in (plain, secure):
        server.route("GET", "/api/echo/", Canned(body={"ok": True}))
    yield plain, secure
    plain.stop()
    secure.stop()


def _verify(server: LocalServer) -> bool | str:
    return server.ca_path or True


def test_http_goes_to_the_proxy_in_absolute_form_with_its_credentials(
    proxy: ForwardProxy, emulator: KeystoneEmulator
) -> None:
    proxy.clear()
    client = KeystoneClient(emulator.url, proxy=proxy.url_with(USER, PASSWORD))
    client.login(emulator.admin_username, emulator.admin_password)
    assert client.http_get("authentication/whoami").ok
    assert client.retrieve_cluster(filters={"name": "none-such"}) == []
    targets = proxy.targets()
    assert targets and all(t.startswith(emulator.url) for t in targets)
    assert "POST" in proxy.methods() and "GET" in proxy.methods()
    assert set(proxy.authorizations()) == {proxy.expected_authorization}


def test_https_goes_through_a_connect_tunnel(
    proxy: ForwardProxy, tls_emulator: KeystoneEmulator
) -> None:
    proxy.clear()
    client = KeystoneClient(
        tls_emulator.url, proxy=proxy.url_with(USER, PASSWORD), verify=tls_emulator.ca_path
    )
    client.login(tls_emulator.admin_username, tls_emulator.admin_password)
    assert client.http_get("authentication/whoami").ok
    assert client.http_get("version").ok
    # One tunnel carries every request (a kept-alive connection), opened with the credentials.
    assert proxy.methods() == ["CONNECT"]
    assert proxy.connect_hosts() == [f"{tls_emulator.host}:{tls_emulator.port}"]
    assert proxy.authorizations() == [proxy.expected_authorization]


def test_the_server_never_sees_the_proxy_credentials(
    proxy: ForwardProxy, origins: tuple[LocalServer, LocalServer]
) -> None:
    for server in origins:
        ca = _verify(server)
        client = KeystoneClient(
            server.url + "api/", proxy=proxy.url_with(USER, PASSWORD), verify=ca, retry=ONCE
        )
        assert client.http_get("echo").json() == {"ok": True}
        seen = server.last
        assert not any(name.lower().startswith("proxy-") for name in seen.headers)
        assert proxy.authorizations()[-1] == proxy.expected_authorization


def test_the_environment_decides_without_proxy(
    monkeypatch: pytest.MonkeyPatch,
    open_proxy: ForwardProxy,
    origins: tuple[LocalServer, LocalServer],
) -> None:
    plain, _ = origins
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # upper case: lower case wins
    monkeypatch.setenv("http_proxy", open_proxy.url)
    open_proxy.clear()
    assert KeystoneClient(plain.url + "api/", retry=ONCE).http_get("echo").ok
    assert open_proxy.targets() == [f"{plain.url}api/echo/"]

    monkeypatch.setenv("NO_PROXY", "localhost,127.0.0.1")
    open_proxy.clear()
    assert KeystoneClient(plain.url + "api/", retry=ONCE).http_get("echo").ok
    assert open_proxy.targets() == []  # bypassed: straight to the server


def test_all_proxy_and_an_https_proxy_variable(
    monkeypatch: pytest.MonkeyPatch,
    open_proxy: ForwardProxy,
    origins: tuple[LocalServer, LocalServer],
) -> None:
    plain, secure = origins
    monkeypatch.setenv("ALL_PROXY", open_proxy.url)
    open_proxy.clear()
    assert KeystoneClient(plain.url + "api/", retry=ONCE).http_get("echo").ok
    monkeypatch.delenv("ALL_PROXY")
    monkeypatch.setenv("https_proxy", open_proxy.url)
    ca = _verify(secure)
    assert KeystoneClient(secure.url + "api/", verify=ca, retry=ONCE).http_get("echo").ok
    host = secure.url.split("//")[1].rstrip("/")
    assert open_proxy.targets() == [f"{plain.url}api/echo/", host]


def test_trust_env_false_ignores_the_proxy_variables(
    monkeypatch: pytest.MonkeyPatch, origins: tuple[LocalServer, LocalServer]
) -> None:
    plain, _ = origins
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("http_proxy", "http://127.0.0.1:9")
    client = KeystoneClient(plain.url + "api/", trust_env=False, retry=ONCE)
    assert client.http_get("echo").json() == {"ok": True}


def test_proxy_given_wins_over_the_environment(
    monkeypatch: pytest.MonkeyPatch,
    open_proxy: ForwardProxy,
    origins: tuple[LocalServer, LocalServer],
) -> None:
    plain, _ = origins
    monkeypatch.setenv("NO_PROXY", "*")
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
    open_proxy.clear()
    assert KeystoneClient(plain.url + "api/", proxy=open_proxy.url).http_get("echo").ok
    assert open_proxy.targets() == [f"{plain.url}api/echo/"]


def test_a_script_run_with_the_variables_set_goes_through_the_proxy(
    open_proxy: ForwardProxy, origins: tuple[LocalServer, LocalServer]
) -> None:
    plain, _ = origins
    script = textwrap.dedent(
        f"""
        from keystone import KeystoneClient
        print(KeystoneClient({plain.url + "api/"!r}).http_get("echo").json())
        """
    )
    env = {k: v for k, v in os.environ.items() if k not in PROXY_VARIABLES}
    env.update(HTTP_PROXY=open_proxy.url, NO_PROXY="example.org")
    open_proxy.clear()
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "{'ok': True}"
    assert open_proxy.targets() == [f"{plain.url}api/echo/"]


@pytest.mark.parametrize("secure", [False, True], ids=["http", "https"])
def test_wrong_credentials_407_is_a_proxy_error_naming_the_proxy_and_not_retried(
    proxy: ForwardProxy, origins: tuple[LocalServer, LocalServer], secure: bool
) -> None:
    server = origins[secure]
    ca = _verify(server)
    wrong = "not-the-password"
    client = KeystoneClient(server.url + "api/", proxy=proxy.url_with(USER, wrong), verify=ca)
    before = len(server.received)
    proxy.clear()
    with pytest.raises(keystone.ProxyError) as caught:
        client.http_get("echo")  # the default retry policy: a refusal is not sent again
    assert len(proxy.methods()) == 1
    error = caught.value
    assert isinstance(error, keystone.ConnectError)
    text = f"{error} {error!r} {error.__cause__!r}"
    assert "407" in str(error) and f"127.0.0.1:{proxy.port}" in str(error)
    assert "user name and password" in str(error)
    assert wrong not in text and "not-the" not in text
    assert error.request_sent is False
    assert len(server.received) == before  # the server never saw it


def test_an_unreachable_proxy_is_a_connect_error_without_its_password(
    origins: tuple[LocalServer, LocalServer],
) -> None:
    for server in origins:
        client = KeystoneClient(
            server.url + "api/",
            proxy=f"http://u:{PASSWORD}@127.0.0.1:9",
            verify=_verify(server),
            retry=ONCE,
        )
        with pytest.raises(keystone.ConnectError) as caught:
            client.http_get("echo")
        error = caught.value
        assert "127.0.0.1:9" in str(error) and "could not connect through the proxy" in str(error)
        assert error.request_sent is False
        for shown in (str(error), repr(error), repr(error.__cause__), repr(client)):
            assert PASSWORD not in shown and "s3cret" not in shown


def test_nothing_logged_or_pickled_shows_the_proxy_password(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    proxy: ForwardProxy,
    origins: tuple[LocalServer, LocalServer],
) -> None:
    plain, _ = origins
    caplog.set_level(logging.DEBUG)
    client = KeystoneClient(plain.url + "api/", proxy=proxy.url_with(USER, PASSWORD))
    assert client.http_get("echo").ok
    assert "s3cret" not in repr(client) and "s3cret" not in caplog.text
    try:
        data = pickle.dumps(client)
    except TypeError as refused:  # a proxy= with credentials may refuse to travel
        assert "s3cret" not in str(refused)
    else:
        assert b"s3cret" not in data
    # From the environment, each process reads its own: the pickle carries none of it.
    monkeypatch.setenv("HTTP_PROXY", proxy.url_with(USER, PASSWORD))
    from_env = KeystoneClient(plain.url + "api/")
    assert from_env.http_get("echo").ok
    assert b"s3cret" not in pickle.dumps(from_env)
    assert "s3cret" not in caplog.text and "s3cret" not in repr(from_env)


@pytest.mark.parametrize(
    ("proxy", "error", "shown"),
    [
        ("proxy.example:3128", ValueError, "no scheme"),
        ("socks5://user:hunter2@proxy.example:1080", ValueError, "socks5://"),
        ("http://user:hunter2@proxy.example:notaport", ValueError, "port"),
        (3128, TypeError, "int"),
    ],
)
def test_bad_proxy_values_are_refused_at_construction(
    proxy: object, error: type[Exception], shown: str
) -> None:
    with pytest.raises(error) as caught:
        HTTPTransport(BaseURL("http://keystone.example/"), proxy=proxy)  # type: ignore[arg-type]
    assert shown in str(caught.value) and "hunter2" not in str(caught.value)


def test_a_bad_proxy_variable_is_refused_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "socks5://user:hunter2@proxy.example:1080")
    with pytest.raises(ValueError, match="HTTPS_PROXY") as caught:
        KeystoneClient("https://keystone.example/")
    assert "hunter2" not in str(caught.value) and "trust_env=False" in str(caught.value)
    assert KeystoneClient("https://keystone.example/", trust_env=False).url


def test_a_proxy_variable_is_read_only_for_the_origins_that_would_use_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A desktop's SOCKS ALL_PROXY, bypassed for the host by NO_PROXY (or not for its scheme),
    does not stop a client that would never use it: only the chosen proxy is checked."""
    monkeypatch.setenv("all_proxy", "socks://127.0.0.1:1080/")
    monkeypatch.setenv("no_proxy", "localhost,127.0.0.0/8")
    assert KeystoneClient("http://127.0.0.1:8000").url == "http://127.0.0.1:8000/"
    with pytest.raises(ValueError, match=r"all_proxy='socks://127\.0\.0\.1:1080/'"):
        KeystoneClient("http://keystone.example:8000")  # this one would go through it


def test_a_malformed_proxy_variable_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://u:pw-secret@[::1")
    with pytest.raises(ValueError, match=r"HTTPS_PROXY=.*not a URL that can be read") as caught:
        KeystoneClient("https://keystone.example/")
    assert "pw-secret" not in str(caught.value) and "trust_env=False" in str(caught.value)


def test_a_short_proxy_password_does_not_garble_messages() -> None:
    proxy = Proxy("http://bob:e@proxy.example:3128")
    text = "ReadTimeoutError: Read timed out. (read timeout=15.0)"
    assert proxy.scrub(text) == text
    assert proxy.scrub("http://bob:e@proxy.example:3128 failed") == (
        "http://bob:***@proxy.example:3128 failed"
    )
    token = proxy.headers["Proxy-Authorization"].removeprefix("Basic ")
    assert token not in proxy.scrub(f"sent Proxy-Authorization: Basic {token}")


def test_a_proxy_that_cannot_reach_the_server_is_an_outage_and_retried(
    open_proxy: ForwardProxy,
) -> None:
    """A CONNECT answered 502 (the proxy found nothing at the server's address) is no refusal
    of the client: like a server that cannot be reached, it is tried again."""
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there
    client = KeystoneClient(
        f"https://127.0.0.1:{port}/api/",
        proxy=open_proxy.url,
        retry=RetryPolicy(max_attempts=2, backoff_base=0.001, backoff_cap=0.001),
    )
    open_proxy.clear()
    with pytest.raises(keystone.ConnectError) as caught:
        client.http_get("echo")
    assert not isinstance(caught.value, keystone.ProxyError)
    assert "could not reach the server" in str(caught.value) and "502" in str(caught.value)
    assert caught.value.request_sent is False
    assert open_proxy.connect_hosts() == [f"127.0.0.1:{port}"] * 2  # sent again


def test_an_https_proxy_is_spoken_to_over_tls_and_its_certificate_checked(
    origins: tuple[LocalServer, LocalServer], tmp_path: Path
) -> None:
    """``https://`` proxies: TLS to the proxy (then, for an https server, TLS inside the
    tunnel), the proxy's certificate verified with the CAs of ``verify=``."""
    plain, secure = origins
    assert secure.ca_path is not None
    directory = Path(secure.ca_path).parent
    trusted = server_context(str(directory / CERT_NAME), str(directory / KEY_NAME))
    with ForwardProxy(credentials=(USER, PASSWORD), tls=trusted) as tls_proxy:
        for server in (plain, secure):
            client = KeystoneClient(
                server.url + "api/",
                proxy=tls_proxy.url_with(USER, PASSWORD),
                verify=secure.ca_path,
                retry=ONCE,
            )
            assert client.http_get("echo").json() == {"ok": True}
        assert tls_proxy.methods() == ["GET", "CONNECT"]
        assert set(tls_proxy.authorizations()) == {tls_proxy.expected_authorization}
    other = make_certificates(tmp_path)  # a proxy certificate of a CA the client does not trust
    with ForwardProxy(tls=server_context(other.cert_path, other.key_path)) as untrusted:
        client = KeystoneClient(secure.url + "api/", proxy=untrusted.url, verify=secure.ca_path)
        with pytest.raises(keystone.TLSError, match=r"certificate of the proxy https://127") as e:
            client.http_get("echo")
        assert "verify=" in str(e.value) and e.value.request_sent is False
        assert untrusted.methods() == []
