"""A tiny WSGI application for testing the emulator's server runtime without Django.

It keeps records in the SQLite file of ``config.database_path`` (so data survives a restart)
and issues tokens signed with ``config.secret_key`` (so a new key invalidates them), which is
all the runtime tests need to observe. ``EchoApp`` answers in-process tests of the HTTP server.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from keystone.testing.config import EmulatorConfig

RUNTIME_APP = "runtime_app:build_application"
"""The ``app_factory`` that makes an emulator serve :class:`RecordsApp`."""


def child_env() -> dict[str, str]:
    """Environment letting a server subprocess import this module."""
    here = str(Path(__file__).resolve().parent)
    path = os.environ.get("PYTHONPATH")
    return {"PYTHONPATH": here + (os.pathsep + path if path else "")}


StartResponse = Any
Environ = dict[str, Any]


def _answer(start_response: StartResponse, status: str, payload: Any = None) -> list[bytes]:
    if payload is None:
        start_response(status, [])
        return []
    body = json.dumps(payload).encode()
    start_response(status, [("Content-Type", "application/json")])
    return [body]


def echo_app(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    """Describe the request back; ``/status/<code>/`` answers that code, ``/sleep/?s=`` waits."""
    path = environ["PATH_INFO"]
    query = parse_qs(environ["QUERY_STRING"])
    body = environ["wsgi.input"].read()
    if path.startswith("/status/"):
        code = int(path.split("/")[2])
        return _answer(start_response, f"{code} X", None if code == 204 else {"code": code})
    if path == "/sleep/":
        time.sleep(float(query.get("s", ["0.5"])[0]))
    headers = {k: v for k, v in environ.items() if k.startswith("HTTP_")}
    return _answer(
        start_response,
        "200 OK",
        {
            "method": environ["REQUEST_METHOD"],
            "path": path,
            "query": environ["QUERY_STRING"],
            "body": body.decode("latin-1"),
            "content_length": environ.get("CONTENT_LENGTH", ""),
            "content_type": environ.get("CONTENT_TYPE", ""),
            "headers": headers,
        },
    )


class RecordsApp:
    """``POST login/``, ``GET whoami/`` (Bearer token), ``GET|POST records/``, ``sleep/``."""

    def __init__(self, config: EmulatorConfig) -> None:
        assert config.database_path and config.secret_key, "the runtime passes both explicitly"
        self.config = config
        self.key = config.secret_key.encode()
        with sqlite3.connect(config.database_path) as db:
            db.execute("CREATE TABLE IF NOT EXISTS records (id INTEGER PRIMARY KEY, name TEXT)")

    def token(self, username: str) -> str:
        return username + "." + hmac.new(self.key, username.encode(), hashlib.sha256).hexdigest()

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ["PATH_INFO"]
        raw = environ["wsgi.input"].read()
        data = json.loads(raw) if raw else {}
        if path == "/login/" and method == "POST":
            creds = (self.config.admin_username, self.config.admin_password)
            if (data.get("username"), data.get("password")) != creds:
                return _answer(start_response, "401 Unauthorized", {"detail": "bad credentials"})
            return _answer(start_response, "200 OK", {"token": self.token(data["username"])})
        if path == "/whoami/":
            token = environ.get("HTTP_AUTHORIZATION", "").removeprefix("Bearer ")
            username = token.partition(".")[0]
            if not hmac.compare_digest(token, self.token(username)):
                return _answer(start_response, "401 Unauthorized", {"detail": "token_not_valid"})
            return _answer(start_response, "200 OK", {"username": username})
        if path == "/records/":
            with sqlite3.connect(self.config.database_path or "") as db:
                if method == "POST":
                    cursor = db.execute("INSERT INTO records (name) VALUES (?)", (data["name"],))
                    record = {"id": cursor.lastrowid, "name": data["name"]}
                    return _answer(start_response, "201 Created", record)
                rows = db.execute("SELECT id, name FROM records ORDER BY id").fetchall()
            return _answer(start_response, "200 OK", [{"id": i, "name": n} for i, n in rows])
        if path == "/sleep/":
            time.sleep(float(parse_qs(environ["QUERY_STRING"]).get("s", ["0.5"])[0]))
            return _answer(start_response, "200 OK", {"slept": True})
        return _answer(start_response, "404 Not Found", {"detail": "Not found."})


def build_application(config: EmulatorConfig) -> RecordsApp:
    return RecordsApp(config)


def failing_application(config: EmulatorConfig) -> RecordsApp:
    raise RuntimeError("the application could not be built: boom")


def slow_application(config: EmulatorConfig) -> RecordsApp:
    time.sleep(60)
    return RecordsApp(config)
