"""Helpers shared by the emulator's API tests: a small urllib3 client per user.

The tests talk to the emulator over real sockets with plain urllib3 (retries and redirects
off), not with the project's own client, so they test the server alone.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import urllib3

from keystone.testing import KeystoneEmulator

DATA = Path(__file__).resolve().parent / "data"
#: The real servers' OpenAPI schemas, which the client's declarations are generated from too.
SPECS = Path(__file__).resolve().parents[2] / "specs"
PERMISSION_DENIED = {"detail": "You do not have permission to perform this action."}

COLLECTIONS = {
    "Allocation": "allocations/allocations/",
    "Cluster": "allocations/clusters/",
    "AllocationRequest": "allocations/requests/",
    "AllocationRequestReview": "allocations/reviews/",
    "RestrictedUser": "users/users/",
    "ResearchGroup": "users/researchgroups/",
    "Grant": "research/grants/",
    "Publication": "research/publications/",
    "AppLog": "logs/apps/",
    "RequestLog": "logs/requests/",
    "TaskResult": "logs/tasks/",
}
"""Each collection by the name of its schema in the OpenAPI spec."""


def load_spec() -> dict[str, Any]:
    """The real server's OpenAPI document (converted from YAML to JSON, unchanged)."""
    return dict(json.loads((SPECS / "keystone-0.3.26-openapi.json").read_text("utf-8")))


def jwt_claims(token: str) -> dict[str, Any]:
    """The (unverified) payload of a JWT."""
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def jwt_header(token: str) -> dict[str, Any]:
    header = token.split(".")[0]
    return dict(json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4))))


class Client:
    """One user's view of an emulator: ``client.get("allocations/clusters/")``."""

    def __init__(self, base_url: str, username: str | None = None, password: str = "") -> None:
        self.base_url = base_url
        self.http = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(30))
        self.tokens: dict[str, str] = {}
        if username is not None:
            self.login(username, password)

    @classmethod
    def admin(cls, emulator: KeystoneEmulator) -> Client:
        return cls(emulator.url, emulator.admin_username, emulator.admin_password)

    def login(self, username: str, password: str) -> urllib3.BaseHTTPResponse:
        response = self.post("authentication/new/", {"username": username, "password": password})
        assert response.status == 200, response.data
        self.tokens = response.json()
        return response

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        fields: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
        raw: bytes | None = None,
    ) -> urllib3.BaseHTTPResponse:
        """Send one request; ``body`` goes as JSON, ``raw`` as is, ``fields`` as the query."""
        all_headers = dict(headers or {})
        if "access" in self.tokens:
            all_headers.setdefault("Authorization", f"Bearer {self.tokens['access']}")
        url = self.base_url.rstrip("/") + "/" + path.lstrip("/")
        if fields:
            url += "?" + urlencode(fields)
        if body is not None:
            raw = json.dumps(body).encode()
            all_headers.setdefault("Content-Type", "application/json")
        return self.http.request(method, url, body=raw, headers=all_headers, redirect=False)

    def get(self, path: str, **fields: str) -> urllib3.BaseHTTPResponse:
        return self.request("GET", path, fields=fields)

    def post(self, path: str, body: Any) -> urllib3.BaseHTTPResponse:
        return self.request("POST", path, body)

    def patch(self, path: str, body: Any) -> urllib3.BaseHTTPResponse:
        return self.request("PATCH", path, body)

    def put(self, path: str, body: Any) -> urllib3.BaseHTTPResponse:
        return self.request("PUT", path, body)

    def delete(self, path: str) -> urllib3.BaseHTTPResponse:
        return self.request("DELETE", path)

    def create(self, path: str, body: Any) -> dict[str, Any]:
        """POST and require 201; return the created record."""
        response = self.post(path, body)
        assert response.status == 201, (path, response.status, response.data)
        return dict(response.json())

    def ids(self, path: str, **fields: str) -> list[int]:
        """GET a list and return its records' ids (require 200)."""
        response = self.get(path, **fields)
        assert response.status == 200, (path, fields, response.status, response.data)
        return [record["id"] for record in response.json()]
