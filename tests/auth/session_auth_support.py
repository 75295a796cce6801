"""What the SessionAuth tests share: accounts, clients logged in, the cookies they hold, raw calls.

The raw calls go out with plain urllib3 and the cookies taken from a client, to show what the
server itself does with a request no client of ours would send.
"""

from __future__ import annotations

from typing import Any

import urllib3

from keystone import KeystoneClient
from keystone.auth import SessionAuth
from keystone.testing import KeystoneEmulator, UserSpec

MEMBER = UserSpec("member", "Member-pw-1234")
CAROL = UserSpec("carol", "Carol-pw-1234")
NOT_AUTHENTICATED = {"detail": "Authentication credentials were not provided."}
CSRF_MISSING = {"detail": "CSRF Failed: CSRF token missing."}
CLUSTERS = "/allocations/clusters/"


def session_client(emulator: KeystoneEmulator, **options: Any) -> KeystoneClient:
    return KeystoneClient(emulator.url, auth=SessionAuth(), server="0.4+", **options)


def logged_in(
    emulator: KeystoneEmulator, user: UserSpec | None = None, **options: Any
) -> KeystoneClient:
    """A client logged in as ``user`` (the emulator's admin by default)."""
    client = session_client(emulator, **options)
    if user is None:
        client.login(emulator.admin_username, emulator.admin_password)
    else:
        client.login(user.username, user.password)
    return client


def held(client: KeystoneClient) -> dict[str, str]:
    """The cookies the client's strategy holds, by name."""
    auth = client.auth
    assert isinstance(auth, SessionAuth)
    return {cookie.name: cookie.value for cookie in auth._jar.cookies()}


def raw(
    emulator: KeystoneEmulator, method: str, path: str, cookies: dict[str, str], **headers: str
) -> urllib3.BaseHTTPResponse:
    """One plain request with ``cookies``, as no client of ours would send it."""
    if cookies:
        headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
    return urllib3.request(
        method, emulator.url + path, headers=headers, json={} if method != "GET" else None
    )


def whoami(client: KeystoneClient) -> str:
    return str(client.http_get("authentication/whoami").json()["username"])
