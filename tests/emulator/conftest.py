"""Fixtures for the emulator's runtime tests: in-process servers and subprocess emulators.

``http_server`` runs :class:`EmulatorHTTPServer` in this process around the small WSGI apps of
``runtime_app``; ``runtime_emulator`` runs a :class:`KeystoneEmulator` subprocess around
``runtime_app.RecordsApp`` so the process runtime can be tested without Django. The Keystone
application itself is exercised through the ``keystone_emulator*`` fixtures of the plugin.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import urllib3
from runtime_app import RUNTIME_APP, child_env, echo_app

from keystone.testing import KeystoneEmulator
from keystone.testing.httpd import EmulatorHTTPServer

ServerFactory = Callable[..., EmulatorHTTPServer]
EmulatorFactory = Callable[..., KeystoneEmulator]


@pytest.fixture
def http_server_factory() -> Iterator[ServerFactory]:
    """Start in-process servers (default app: ``echo_app``), closed at the end of the test."""
    servers: list[EmulatorHTTPServer] = []

    def start(app: Any = echo_app, **options: Any) -> EmulatorHTTPServer:
        server = EmulatorHTTPServer(("127.0.0.1", 0), app, **options).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close(grace=0.5)


@pytest.fixture
def http_server(http_server_factory: ServerFactory) -> EmulatorHTTPServer:
    return http_server_factory()


@pytest.fixture
def runtime_emulator_factory() -> Iterator[EmulatorFactory]:
    """Start subprocess emulators around ``runtime_app``, stopped at the end of the test."""
    started: list[KeystoneEmulator] = []

    def start(**options: Any) -> KeystoneEmulator:
        options.setdefault("app_factory", RUNTIME_APP)
        options.setdefault("env", child_env())
        emulator = KeystoneEmulator(api="0.3.26", **options).start()
        started.append(emulator)
        return emulator

    yield start
    for emulator in started:
        emulator.stop()


@pytest.fixture
def runtime_emulator(runtime_emulator_factory: EmulatorFactory) -> KeystoneEmulator:
    return runtime_emulator_factory()


@pytest.fixture
def http() -> Iterator[urllib3.PoolManager]:
    """A plain urllib3 client with retries and redirects off, as the project's transport uses."""
    manager = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(connect=5, read=30))
    yield manager
    manager.clear()
