"""A small urllib3 client for the v0.10.9 profile: session cookies, CSRF header, API tokens.

The tests talk to the emulator over real sockets with plain urllib3 (retries and redirects
off), not with the project's client, so they test the server alone. A :class:`Session` keeps
its cookies, sends ``X-CSRFToken`` on unsafe methods when it holds a ``csrftoken`` (unless told
not to), or authenticates with ``Authorization: Token <key>`` instead.
"""

from __future__ import annotations

import json
import uuid
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import urlencode

import urllib3

from keystone.testing import KeystoneEmulator, UserSpec

API = "0.10.9"
MEMBER = UserSpec("member", "Member-pw-1234", first_name="Mem", last_name="Ber")
OUTSIDER = UserSpec("outsider", "Outsider-pw-1234")
PERMISSION_DENIED = {"detail": "You do not have permission to perform this action."}
NOT_AUTHENTICATED = {"detail": "Authentication credentials were not provided."}
CSRF_MISSING = {"detail": "CSRF Failed: CSRF token missing."}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def unique(prefix: str) -> str:
    """A name no other test uses (the shared emulator's database outlives each test)."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


class Session:
    """One client's cookies and credentials against one emulator."""

    def __init__(
        self, base_url: str, *, token: str | None = None, ca_certs: str | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/") + "/"
        self.http = urllib3.PoolManager(
            retries=False, timeout=urllib3.Timeout(30), ca_certs=ca_certs
        )
        self.cookies: dict[str, str] = {}
        self.token = token

    @classmethod
    def logged_in(cls, emulator: KeystoneEmulator, username: str, password: str) -> Session:
        session = cls(emulator.url, ca_certs=emulator.ca_path)
        response = session.login(username, password)
        assert response.status == 200, response.data
        return session

    @classmethod
    def admin(cls, emulator: KeystoneEmulator) -> Session:
        return cls.logged_in(emulator, emulator.admin_username, emulator.admin_password)

    def login(self, username: str, password: str) -> urllib3.BaseHTTPResponse:
        return self.post("authentication/login/", {"username": username, "password": password})

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        fields: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
        csrf: bool = True,
    ) -> urllib3.BaseHTTPResponse:
        """Send one request; ``body`` goes as JSON, ``raw`` as is, ``fields`` as the query."""
        sent = dict(headers or {})
        if self.token is not None:
            sent.setdefault("Authorization", f"Token {self.token}")
        if self.cookies:
            sent.setdefault("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if csrf and method not in SAFE_METHODS and "csrftoken" in self.cookies:
            sent.setdefault("X-CSRFToken", self.cookies["csrftoken"])
        url = self.base_url + path.lstrip("/")
        if fields:
            url += "?" + urlencode(fields)
        if body is not None:
            raw = json.dumps(body).encode()
            sent.setdefault("Content-Type", "application/json")
        response = self.http.request(method, url, body=raw, headers=sent, redirect=False)
        self._remember(response)
        return response

    def _remember(self, response: urllib3.BaseHTTPResponse) -> None:
        for header in response.headers.getlist("set-cookie"):
            cookie = SimpleCookie()
            cookie.load(header)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def get(self, path: str, **fields: Any) -> urllib3.BaseHTTPResponse:
        return self.request("GET", path, fields=fields)

    def post(self, path: str, body: Any = None, **options: Any) -> urllib3.BaseHTTPResponse:
        return self.request("POST", path, body, **options)

    def patch(self, path: str, body: Any, **options: Any) -> urllib3.BaseHTTPResponse:
        return self.request("PATCH", path, body, **options)

    def put(self, path: str, body: Any, **options: Any) -> urllib3.BaseHTTPResponse:
        return self.request("PUT", path, body, **options)

    def delete(self, path: str, **options: Any) -> urllib3.BaseHTTPResponse:
        return self.request("DELETE", path, **options)

    def create(self, path: str, body: Any) -> dict[str, Any]:
        """POST and require 201; the created record."""
        response = self.post(path, body)
        assert response.status == 201, (path, response.status, response.data)
        return dict(response.json())

    def page(self, path: str, **fields: Any) -> dict[str, Any]:
        """GET a list page and require 200."""
        response = self.get(path, **fields)
        assert response.status == 200, (path, fields, response.status, response.data)
        return dict(response.json())

    def ids(self, path: str, **fields: Any) -> list[int]:
        """The ids of a list page's records."""
        return [record["id"] for record in self.page(path, **fields)["results"]]


def multipart(
    fields: dict[str, str], files: dict[str, tuple[str, bytes, str]]
) -> tuple[bytes, str]:
    """A ``multipart/form-data`` body and its content type."""
    encoded, content_type = urllib3.encode_multipart_formdata({**fields, **files})
    return encoded, content_type
