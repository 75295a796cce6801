"""Record request/response transcripts from a real Keystone API server of one release.

The recorder sends a fixed set of scenarios (public endpoints, session and token
authentication, CRUD on clusters, teams or research groups, requests, grants and
publications, non-staff permissions, filters, pagination, choice and other endpoints) to a
running server, adapts each scenario to what the given release has (research groups before
0.5, ``users/membership/`` before 0.7.4, the grant and publication fields of the release, the
negated lookups, ...), and writes what the server really answered, errors included, as a JSON
transcript in the format of ``tests/emulator/data/keystone-0.10.9-transcripts.json``::

    {"server": {...}, "about": "...", "vars": {...},
     "scenarios": {"<name>": [{"request": {...}, "response": {...}, "template": {...}}, ...]}}

Each exchange holds the request as sent, the answer (status, the headers replays compare,
JSON body or text) and a ``template`` for replaying it: ``as`` names the identity whose cookie
jar sends it (``fresh`` starts a new jar, ``jar_copy`` copies one), ``<<var>>`` placeholders
stand for the run tag and for ids captured (``capture``) from earlier answers. Session and
CSRF cookies and the DRF token appear only as ``<sessionid>``, ``<csrftoken>`` and ``<token>``;
cookie dates as ``<date>``. Every record the recorder creates carries the run tag
(``rec-<tag>``) in its name, title or username, so use a fresh database to keep unfiltered
lists short.

Run it against a server (for example one started with ``keystone-release-server.sh``, which
makes the staff user and writes the user's DRF token to a file)::

    python tools/record_transcripts.py --url http://127.0.0.1:9431 --release 0.7.5 \\
        --admin-user admin --admin-password adminpass123 --token-file admin.token \\
        --out tests/emulator/data/keystone-0.7.5-transcripts.json

Requests are sent with urllib3, without retries and without following redirects. A 429
answer is waited out and the request sent again; it is not recorded.
"""

from __future__ import annotations

import argparse
import json
import re
import secrets
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import urllib3

KEPT_HEADERS = (
    "content-type",
    "allow",
    "set-cookie",
    "www-authenticate",
    "retry-after",
    "location",
    "x-total-count",
    "x-limit",
    "x-offset",
)
"""Response headers a transcript keeps (in this order)."""

LONG_TEXT = 20_000
"""Text bodies longer than this are cut to their first ``SHORT_TEXT`` characters."""
SHORT_TEXT = 400
ADMIN = "admin"
MEMBER = "member"
INVALID_TOKEN = "0123456789abcdef0123456789abcdef01234567"
_VAR = re.compile(r"<<([A-Za-z0-9_]+)>>")
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_NO_BODY = object()


@dataclass(frozen=True)
class Release:
    """What a Keystone release has that the scenarios depend on."""

    text: str
    number: tuple[int, int, int]

    @classmethod
    def parse(cls, text: str) -> Release:
        parts = text.lstrip("v").split(".")
        if len(parts) != 3 or not all(p.isdigit() for p in parts):
            raise ValueError(f"release must look like 0.7.5, not {text!r}")
        return cls(text.lstrip("v"), (int(parts[0]), int(parts[1]), int(parts[2])))

    def since(self, text: str) -> bool:
        """Whether this release is ``text`` or later."""
        return self.number >= Release.parse(text).number

    @property
    def research_groups(self) -> bool:
        """Research groups (``users/researchgroups/``, field ``group``) instead of teams."""
        return not self.since("0.5.0")

    @property
    def team_field(self) -> str:
        return "group" if self.research_groups else "team"

    @property
    def membership_path(self) -> str:
        return "/users/memberships/" if self.since("0.7.4") else "/users/membership/"

    @property
    def token_auth(self) -> bool:
        return self.since("0.6.4")

    @property
    def login_answers_key(self) -> bool:
        """dj-rest-auth's login (``{"key": ...}``) rather than the project's own."""
        return not self.since("0.6.12")

    @property
    def served_by(self) -> str:
        if self.since("0.6.11"):
            return "uvicorn (ASGI, one process)"
        return "gunicorn (WSGI, one worker process)"

    @property
    def pagination(self) -> str:
        if self.since("0.8.0"):
            return "envelope"
        if self.since("0.7.4"):
            return "headers"
        return "none"

    @property
    def stats_paths(self) -> list[str]:
        if not self.since("0.8.2"):
            return []
        names = ["requests", "grants", "publications"]
        if self.since("0.8.7"):
            names.append("notifications")
        return [f"/stats/{name}/" for name in names]

    @property
    def has_config(self) -> bool:
        return self.since("0.9.5")

    @property
    def request_has_submitter(self) -> bool:
        return self.since("0.5.0")

    def grant_body(self, tag: str, team: str) -> dict[str, Any]:
        """A grant with exactly the fields this release requires."""
        body: dict[str, Any] = {
            "title": f"rec-{tag}-grant",
            "agency": "NSF",
            "amount": "1000.00",
        }
        if not self.since("0.10.6"):
            body["grant_number"] = f"rec-{tag}-g1"
        if not self.since("0.7.2"):
            body["fiscal_year"] = 2024
        if self.since("0.7.2") and not self.since("0.7.3"):
            body["currency"] = "USD"
        body["start_date"] = "2024-01-01"
        if not self.since("0.8.2"):
            body["end_date"] = "2025-12-31"
        body[self.team_field] = team
        return body

    def publication_body(self, tag: str, team: str) -> dict[str, Any]:
        """A publication with exactly the fields this release requires."""
        body: dict[str, Any] = {"title": f"rec-{tag}-pub"}
        if not self.since("0.8.2"):
            body["abstract"] = "Recorded abstract."
        if not self.since("0.5.15"):
            body["date"] = "2024-05-01"
            body["journal"] = "Journal of Recordings"
        body[self.team_field] = team
        return body


@dataclass
class Answer:
    """What one exchange answered."""

    status: int
    document: Any


def fill(value: Any, variables: dict[str, Any]) -> Any:
    """``value`` with ``<<var>>`` replaced; a whole-string placeholder keeps the value's type."""
    if isinstance(value, dict):
        return {key: fill(item, variables) for key, item in value.items()}
    if isinstance(value, list):
        return [fill(item, variables) for item in value]
    if not isinstance(value, str):
        return value
    whole = _VAR.fullmatch(value)
    if whole:
        return variables[whole.group(1)]
    return _VAR.sub(lambda m: str(variables[m.group(1)]), value)


def redact_cookie(set_cookie: str) -> str:
    """A ``Set-Cookie`` value with a set cookie's value and date as placeholders."""
    parts = [part.strip() for part in set_cookie.split(";")]
    name, _, value = parts[0].partition("=")
    if value in ("", '""'):
        return set_cookie
    kept = [f"{name}=<{name}>"]
    for part in parts[1:]:
        kept.append("expires=<date>" if part.lower().startswith("expires=") else part)
    return "; ".join(kept)


def dig(document: Any, dotpath: str) -> Any:
    """The value at ``dotpath`` (``results.0.id``) of a JSON document."""
    value = document
    for part in dotpath.split("."):
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


class Recorder:
    """Sends the scenarios' requests to one server and keeps every exchange."""

    def __init__(
        self,
        url: str,
        release: Release,
        admin_user: str,
        admin_password: str,
        token: str,
        tag: str,
        user_pw: str,
    ) -> None:
        self.url = url.rstrip("/")
        self.release = release
        self.http = urllib3.PoolManager(retries=False, timeout=urllib3.Timeout(120))
        self.token = token
        self.tag = tag
        self.variables: dict[str, Any] = {
            "tag": tag,
            "user_pw": user_pw,
            "admin_user": admin_user,
            "admin_pw": admin_password,
        }
        self.secrets: dict[str, str] = {token: "<token>"} if token else {}
        self.jars: dict[str | None, dict[str, str]] = {}
        self.scenarios: dict[str, list[dict[str, Any]]] = {}
        self.current: list[dict[str, Any]] = []
        self.waited_429 = 0

    # -- sending -----------------------------------------------------------------------------

    def scenario(self, name: str) -> None:
        self.current = self.scenarios.setdefault(name, [])

    def send(
        self,
        method: str,
        path: str,
        *,
        who: str | None = ADMIN,
        body: Any = _NO_BODY,
        raw_body: str | None = None,
        content_type: str | None = None,
        authorization: str | None = None,
        csrf: bool | None = None,
        fresh: bool = False,
        capture: dict[str, str] | None = None,
        jar_copy: tuple[str, str] | None = None,
    ) -> Answer:
        """Send one request built from a template and record the exchange.

        ``path``, ``body`` and ``raw_body`` may hold ``<<var>>`` placeholders. The identity
        ``who`` sends its cookies; ``csrf`` (default: on for unsafe methods when the jar has a
        CSRF cookie) adds ``X-CSRFToken``. ``authorization`` is the header's value, with
        ``<token>`` standing for the DRF token. ``capture`` names variables to take from the
        JSON answer when it has them.
        """
        if fresh:
            self.jars[who] = {}
        if jar_copy:
            self.jars[jar_copy[1]] = dict(self.jars.get(jar_copy[0], {}))
        jar = self.jars.setdefault(who, {})
        template_headers: dict[str, str] = {}
        if authorization is not None:
            template_headers["Authorization"] = authorization
        has_body = body is not _NO_BODY or raw_body is not None
        if has_body:
            template_headers["Content-Type"] = content_type or "application/json"
        if jar:
            template_headers["Cookie"] = "; ".join(f"{name}=<{name}>" for name in jar)
        if csrf is None:
            csrf = method in _UNSAFE and "csrftoken" in jar
        if csrf:
            template_headers["X-CSRFToken"] = "<csrftoken>"

        sent_headers = {}
        for name, value in template_headers.items():
            value = fill(value, self.variables)
            if name == "Cookie":
                value = "; ".join(f"{n}={v}" for n, v in jar.items())
            value = value.replace("<csrftoken>", jar.get("csrftoken", ""))
            value = value.replace("<sessionid>", jar.get("sessionid", ""))
            value = value.replace("<token>", self.token)
            sent_headers[name] = value
        filled_path = fill(path, self.variables)
        filled_json = fill(body, self.variables) if body is not _NO_BODY else None
        filled_raw = fill(raw_body, self.variables) if raw_body is not None else None
        payload: bytes | None = None
        if body is not _NO_BODY:
            payload = json.dumps(filled_json).encode()
        elif filled_raw is not None:
            payload = filled_raw.encode()

        while True:
            if method == "HEAD":
                # gunicorn-served releases send the GET body after a HEAD answer's headers: a
                # HEAD goes over a connection of its own, closed afterwards, so that those
                # bytes cannot garble the next answer.
                pool = urllib3.connection_from_url(
                    self.url, retries=False, timeout=urllib3.Timeout(120)
                )
                live = pool.request(method, filled_path, headers=sent_headers, redirect=False)
                pool.close()
            else:
                live = self.http.request(
                    method,
                    self.url + filled_path,
                    body=payload,
                    headers=sent_headers,
                    redirect=False,
                )
            if live.status != 429:
                break
            self.waited_429 += 1
            time.sleep(float(live.headers.get("retry-after") or 5) + 1)

        self.remember_cookies(jar, live)
        response, document = self.response_record(live)
        template: dict[str, Any] = {
            "as": who,
            "target": "main",
            "path": path,
            "headers": dict(template_headers),
        }
        if body is not _NO_BODY:
            template["json"] = body
        elif raw_body is not None:
            template["raw_body"] = raw_body
        if capture:
            captured = {}
            for name, dotpath in capture.items():
                try:
                    self.variables[name] = dig(document, dotpath)
                except (KeyError, IndexError, TypeError, ValueError):
                    continue
                captured[name] = dotpath
            if captured:
                template["capture"] = captured
        if fresh:
            template["fresh"] = True
        if jar_copy:
            template["jar_copy"] = list(jar_copy)
        request_headers = {
            name: fill(value, self.variables) for name, value in template_headers.items()
        }
        self.current.append(
            {
                "request": {
                    "method": method,
                    "path": filled_path,
                    "headers": request_headers,
                    "json": filled_json,
                    "raw_body": filled_raw,
                },
                "response": response,
                "template": template,
            }
        )
        return Answer(live.status, document)

    @staticmethod
    def remember_cookies(jar: dict[str, str], live: urllib3.BaseHTTPResponse) -> None:
        for header in live.headers.getlist("set-cookie"):
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0].strip()
            lowered = header.lower().replace(" ", "")
            if value in ("", '""') or "max-age=0" in lowered:
                jar.pop(name.strip(), None)
            else:
                jar[name.strip()] = value

    def response_record(self, live: urllib3.BaseHTTPResponse) -> tuple[dict[str, Any], Any]:
        """The recorded form of an answer (secrets redacted) and its JSON document, if any."""
        headers: dict[str, Any] = {}
        for name in KEPT_HEADERS:
            if name == "set-cookie":
                cookies = live.headers.getlist("set-cookie")
                if cookies:
                    headers[name] = [redact_cookie(c) for c in cookies]
            elif name in live.headers:
                headers[name] = live.headers[name]
        data = live.data or b""
        media = live.headers.get("content-type", "").split(";")[0].strip()
        document: Any = None
        if media == "application/json" and data:
            try:
                document = json.loads(data)
            except ValueError:
                document = None
        record: dict[str, Any] = {"status": live.status, "headers": headers}
        if document is not None:
            if isinstance(document, dict) and isinstance(document.get("key"), str):
                self.secrets.setdefault(document["key"], "<token>")
            record["json"] = self.redact(document)
            record["text"] = None
        else:
            text = data.decode("utf-8", errors="replace")
            for secret, placeholder in self.secrets.items():
                text = text.replace(secret, placeholder)
            record["json"] = None
            if len(text) > LONG_TEXT:
                record["text"] = text[:SHORT_TEXT]
                record["body_length"] = len(data)
            else:
                record["text"] = text
        return record, document

    def redact(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {key: self.redact(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.redact(item) for item in value]
        if isinstance(value, str):
            for secret, placeholder in self.secrets.items():
                value = value.replace(secret, placeholder)
        return value

    # -- helpers -----------------------------------------------------------------------------

    def login(self, who: str = ADMIN, *, capture: dict[str, str] | None = None) -> Answer:
        if who == ADMIN:
            body = {"username": "<<admin_user>>", "password": "<<admin_pw>>"}
        else:
            body = {"username": "rec-<<tag>>-member", "password": "<<user_pw>>"}
        return self.send(
            "POST", "/authentication/login/", who=who, body=body, fresh=True, capture=capture
        )

    @property
    def team_path(self) -> str:
        return "/users/researchgroups/" if self.release.research_groups else "/users/teams/"

    # -- scenarios ---------------------------------------------------------------------------

    def public_endpoints(self) -> None:
        self.scenario("public_endpoints")
        self.send("GET", "/version/", who=None)
        self.send("HEAD", "/version/", who=None)
        self.send("GET", "/", who=None)
        self.send("GET", "/authentication/whoami/", who=None)
        self.send("GET", "/allocations/clusters/", who=None)
        for path in (
            "/users/teams/",
            "/users/researchgroups/",
            "/users/memberships/",
            "/users/membership/",
            "/batch/",
            "/config/",
            "/stats/requests/",
            "/logs/apps/",
            "/allocations/comments/",
        ):
            self.send("HEAD", path, who=None)
        self.send("GET", "/no/such/endpoint/", who=None)
        self.send("GET", "/version", who=None)
        self.send("GET", "/allocations/clusters", who=None)

    def auth_session(self) -> None:
        self.scenario("auth_session")
        self.send(
            "POST",
            "/authentication/login/",
            body={"username": "<<admin_user>>", "password": "wrong-password"},
            fresh=True,
        )
        self.login()
        self.send("GET", "/authentication/whoami/")
        self.send("POST", "/allocations/clusters/", body={"name": "rec-<<tag>>-nocsrf"}, csrf=False)
        self.send("POST", "/authentication/logout/", jar_copy=(ADMIN, "stale"))
        self.send("POST", "/authentication/logout/")
        self.send("GET", "/authentication/whoami/")
        self.send("GET", "/authentication/whoami/", who="stale")
        self.send("GET", "/authentication/logout/", who=None)

    def auth_token(self) -> None:
        self.scenario("auth_token")
        self.send("GET", "/allocations/clusters/", who=None, authorization="Token <token>")
        self.send("GET", "/authentication/whoami/", who=None, authorization="Token <token>")
        self.send("GET", "/allocations/clusters/", who=None, authorization=f"Token {INVALID_TOKEN}")
        self.send("GET", "/allocations/clusters/", who=None, authorization="Bearer <token>")
        created = self.send(
            "POST",
            "/allocations/clusters/",
            who=None,
            authorization="Token <token>",
            body={"name": "rec-<<tag>>-token"},
            capture={"token_cluster": "id"},
        )
        if created.status == 201:
            self.send(
                "DELETE",
                "/allocations/clusters/<<token_cluster>>/",
                who=None,
                authorization="Token <token>",
            )

    def crud_clusters(self) -> None:
        self.scenario("crud_clusters")
        self.login()
        self.send(
            "POST",
            "/allocations/clusters/",
            body={"name": "rec-<<tag>>-c1", "description": "first", "enabled": True},
            capture={"c1": "id"},
        )
        self.send(
            "POST", "/allocations/clusters/", body={"name": "rec-<<tag>>-c2"}, capture={"c2": "id"}
        )
        self.send(
            "POST",
            "/allocations/clusters/",
            body={"name": "rec-<<tag>>-c3", "descripton": "misspelt field"},
            capture={"c3": "id"},
        )
        self.send("POST", "/allocations/clusters/", body={})
        self.send("POST", "/allocations/clusters/", body={"name": "rec-<<tag>>-c1"})
        self.send("GET", "/allocations/clusters/<<c1>>/")
        self.send("PATCH", "/allocations/clusters/<<c1>>/", body={"description": "patched"})
        self.send(
            "PUT",
            "/allocations/clusters/<<c1>>/",
            body={"name": "rec-<<tag>>-c1", "description": "put", "enabled": False},
        )
        self.send("PUT", "/allocations/clusters/<<c1>>/", body={"description": "no name"})
        self.send("GET", "/allocations/clusters/?name__startswith=rec-<<tag>>-c&_order=id")
        self.send("DELETE", "/allocations/clusters/<<c2>>/")
        self.send("GET", "/allocations/clusters/<<c2>>/")
        self.send("DELETE", "/allocations/clusters/<<c2>>/")

    def create_users(self) -> None:
        for name in ("member", "other"):
            self.send(
                "POST",
                "/users/users/",
                body={"username": f"rec-<<tag>>-{name}", "password": "<<user_pw>>"},
                capture={name: "id"},
            )

    def crud_research_groups(self) -> None:
        self.scenario("crud_research_groups")
        self.login()
        self.send("GET", "/authentication/whoami/", capture={"admin_id": "id"})
        self.create_users()
        self.send("POST", "/users/researchgroups/", body={})
        self.send(
            "POST",
            "/users/researchgroups/",
            body={
                "name": "rec-<<tag>>-group-a",
                "pi": "<<admin_id>>",
                "admins": ["<<member>>"],
                "members": ["<<other>>"],
            },
            capture={"teamA": "id"},
        )
        self.send(
            "POST",
            "/users/researchgroups/",
            body={"name": "rec-<<tag>>-group-c", "pi": "<<admin_id>>"},
            capture={"teamC": "id"},
        )
        self.send("GET", "/users/researchgroups/?name__startswith=rec-<<tag>>-&_order=id")
        self.send("GET", "/users/researchgroups/<<teamA>>/")
        self.send("PATCH", "/users/researchgroups/<<teamA>>/", body={"members": ["<<other>>"]})
        self.send("DELETE", "/users/researchgroups/<<teamC>>/")
        self.send("GET", "/users/researchgroups/<<teamC>>/")

    def crud_teams_memberships(self) -> None:
        self.scenario("crud_teams_memberships")
        members = self.release.membership_path
        self.login()
        self.send("GET", "/authentication/whoami/", capture={"admin_id": "id"})
        self.create_users()
        self.send("POST", "/users/teams/", body={})
        self.send(
            "POST", "/users/teams/", body={"name": "rec-<<tag>>-team-a"}, capture={"teamA": "id"}
        )
        self.send(
            "POST", "/users/teams/", body={"name": "rec-<<tag>>-team-c"}, capture={"teamC": "id"}
        )
        self.send("PATCH", "/users/teams/<<teamA>>/", body={"is_active": True})
        for var, user, role in (
            ("memOW", "<<admin_id>>", "OW"),
            ("memAD", "<<member>>", "AD"),
            ("memMB", "<<other>>", "MB"),
        ):
            self.send(
                "POST",
                members,
                body={"user": user, "team": "<<teamA>>", "role": role},
                capture={var: "id"},
            )
        self.send("POST", members, body={"user": "<<member>>", "team": "<<teamA>>", "role": "MB"})
        self.send("POST", members, body={})
        self.send("GET", members + "?team=<<teamA>>&_order=id")
        self.send("GET", members + "<<memAD>>/")
        self.send("DELETE", members + "<<memMB>>/")
        self.send("GET", members + "<<memMB>>/")
        self.send("GET", "/users/teams/<<teamA>>/")
        self.send("DELETE", "/users/teams/<<teamC>>/")
        self.send("GET", "/users/teams/<<teamC>>/")

    def non_staff_permissions(self) -> None:
        self.scenario("non_staff_permissions")
        self.login(MEMBER)
        self.send("GET", "/authentication/whoami/", who=MEMBER)
        self.send(
            "GET", "/allocations/clusters/?name__startswith=rec-<<tag>>-c&_order=id", who=MEMBER
        )
        self.send("POST", "/allocations/clusters/", who=MEMBER, body={"name": "rec-<<tag>>-member"})
        self.send("GET", self.team_path + "<<teamA>>/", who=MEMBER)
        self.send(
            "POST",
            "/allocations/requests/",
            who=MEMBER,
            body={
                "title": "rec-<<tag>>-member-request",
                "description": "Made by a team admin.",
                self.release.team_field: "<<teamA>>",
                **({"submitter": "<<member>>"} if self.release.request_has_submitter else {}),
            },
        )
        self.send("GET", "/users/users/<<admin_id>>/", who=MEMBER)
        self.send("GET", "/logs/requests/?id__lte=1", who=MEMBER)

    def request_body(self, title: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "title": f"rec-<<tag>>-{title}",
            "description": "Recorded request.",
            self.release.team_field: "<<teamA>>",
        }
        if self.release.request_has_submitter:
            body["submitter"] = "<<admin_id>>"
        return body

    def crud_requests(self) -> None:
        self.scenario("crud_requests")
        self.login()
        self.send("POST", "/allocations/requests/", body={})
        self.send(
            "POST",
            "/allocations/requests/",
            body=self.request_body("req-a"),
            capture={"reqA": "id"},
        )
        self.send(
            "POST",
            "/allocations/requests/",
            body=self.request_body("req-b"),
            capture={"reqB": "id"},
        )
        self.send("GET", "/allocations/requests/<<reqA>>/")
        self.send(
            "PATCH",
            "/allocations/requests/<<reqA>>/",
            body={"description": "Patched.", "status": "AP"},
        )
        self.send(
            "GET",
            f"/allocations/requests/?{self.release.team_field}=<<teamA>>"
            "&title__startswith=rec-<<tag>>-req&_order=id",
        )
        self.send("DELETE", "/allocations/requests/<<reqB>>/")
        self.send("GET", "/allocations/requests/<<reqB>>/")

    def crud_grants_publications(self) -> None:
        self.scenario("crud_grants_publications")
        self.login()
        self.send("POST", "/research/grants/", body={})
        self.send(
            "POST",
            "/research/grants/",
            body=self.release.grant_body("<<tag>>", "<<teamA>>"),
            capture={"grant": "id"},
        )
        self.send("GET", "/research/grants/<<grant>>/")
        self.send("POST", "/research/publications/", body={})
        self.send(
            "POST",
            "/research/publications/",
            body=self.release.publication_body("<<tag>>", "<<teamA>>"),
            capture={"pub": "id"},
        )
        self.send("GET", "/research/publications/<<pub>>/")
        self.send("GET", f"/research/publications/?{self.release.team_field}=<<teamA>>")

    def filters(self) -> None:
        self.scenario("filters")
        self.login()
        for var, body in (
            ("fa", {"name": "rec-<<tag>>-fa", "description": "alpha", "enabled": True}),
            ("fb", {"name": "rec-<<tag>>-fb", "description": "beta", "enabled": False}),
            ("fc", {"name": "rec-<<tag>>-fc"}),
        ):
            self.send("POST", "/allocations/clusters/", body=body, capture={var: "id"})
        base = "/allocations/clusters/?"
        prefix = "name__startswith=rec-<<tag>>-f"
        for query in (
            "name=rec-<<tag>>-fa",
            "name__in=rec-<<tag>>-fa,rec-<<tag>>-fb",
            f"{prefix}&name__contains=-fb",
            f"{prefix}&enabled=false",
            f"{prefix}&enabled=no",
            f"{prefix}&id__gt=<<fa>>",
            "id=abc",
            f"{prefix}&nam=x",
            f"{prefix}&name__not_in=rec-<<tag>>-fa,rec-<<tag>>-fb",
            f"{prefix}&name__not_eq=rec-<<tag>>-fa",
            f"{prefix}&name__not_contains=-fb",
            f"{prefix}&name__not_startswith=rec-<<tag>>-fa",
            f"{prefix}&name__not_endswith=-fc",
            f"{prefix}&name__not_isnull=true",
            f"{prefix}&description__not_isnull=true",
            f"{prefix}&_search=beta",
            f"{prefix}&_order=-name",
            f"{prefix}&ordering=-name",
        ):
            self.send("GET", base + query)

    def pagination(self) -> None:
        self.scenario("pagination")
        self.login()
        for number in range(1, 26):
            self.send("POST", "/allocations/clusters/", body={"name": f"rec-<<tag>>-p{number:02d}"})
        base = "/allocations/clusters/?name__startswith=rec-<<tag>>-p&_order=id"
        self.send("GET", base + "&_limit=10")
        self.send("GET", base + "&_limit=10&_offset=10")
        self.send("GET", base + "&_limit=10&_offset=20")
        self.send("GET", base)

    def choices_and_extras(self) -> None:
        self.scenario("choices_and_extras")
        self.login()
        for path in (
            "/allocations/allocation-request/status-choices/",
            "/allocations/allocation-review/status-choices/",
            "/allocations/request-choices/status/",
            "/allocations/review-choices/status/",
            "/allocations/cluster-choices/access-mode/",
            "/users/team-membership/role-choices/",
            "/users/roles",
            "/users/membership-choices/role/",
            "/notifications/allocation-request/status-choices/",
            "/notifications/notification-choices/type",
            "/notifications/notification-choices/type/",
        ):
            self.send("GET", path)
        for path in self.release.stats_paths:
            self.send("GET", path)
        if self.release.has_config:
            self.send("GET", "/config/")
        for path in (
            "/logs/apps/?id__lte=3",
            "/logs/audit/?id__lte=3",
            "/allocations/attachments/",
            "/allocations/comments/",
            "/allocations/jobs/",
            "/notifications/notifications/",
        ):
            self.send("GET", path)

    def run(self) -> None:
        steps: list[Callable[[], None]] = [
            self.public_endpoints,
            self.auth_session,
            self.auth_token,
            self.crud_clusters,
            self.crud_research_groups
            if self.release.research_groups
            else self.crud_teams_memberships,
            self.non_staff_permissions,
            self.crud_requests,
            self.crud_grants_publications,
            self.filters,
            self.pagination,
            self.choices_and_extras,
        ]
        for step in steps:
            step()

    # -- the document ------------------------------------------------------------------------

    def server_notes(self) -> list[str]:
        release = self.release
        notes = [
            f"Served by {release.served_by}; SQLite; DEBUG off; no Redis, no Celery worker, no "
            "SMTP server.",
        ]
        if not release.since("0.6.11"):
            notes.append(
                "gunicorn sends the GET body (with its Content-Length) after the headers of a "
                "HEAD answer; the transcript records HEAD bodies as empty, as an HTTP client "
                "reads them, and the recorder dropped the connection after each HEAD."
            )
        if release.token_auth:
            notes.append(
                "Authentication classes in order: rest_framework TokenAuthentication "
                "('Token <key>'), then SessionAuthentication (sessionid cookie; X-CSRFToken "
                "header required on unsafe methods)."
            )
        else:
            notes.append(
                "No DEFAULT_AUTHENTICATION_CLASSES: DRF's defaults SessionAuthentication then "
                "BasicAuthentication; an 'Authorization: Token' header is not honoured."
            )
        if release.login_answers_key:
            notes.append(
                'Login and logout are dj-rest-auth\'s: the login answers {"key": <DRF token>} '
                "(recorded as <token>) and the logout deletes the user's DRF token, so the "
                "token in auth_token (made before the recording) no longer exists there."
            )
        notes.append(
            "Before the recording the staff user (admin) and its DRF token were made with the "
            "server's own Django shell"
            + ("." if release.login_answers_key else "; the API has no endpoint that makes one.")
        )
        notes.append(
            {
                "none": "Lists are not paginated: a plain JSON array of every record.",
                "headers": "Lists are a plain JSON array of at most _limit records with "
                "X-Total-Count, X-Limit and X-Offset headers.",
                "envelope": "Lists are a {count, next, previous, results} envelope.",
            }[release.pagination]
        )
        return notes

    def document(self, seconds: float, extra_notes: list[str]) -> dict[str, Any]:
        count = sum(len(exchanges) for exchanges in self.scenarios.values())
        return {
            "server": {
                "name": "keystone-api",
                "version": self.release.text,
                "auth": "session+csrf",
                "notes": self.server_notes() + extra_notes,
            },
            "about": (
                f"Recorded with tools/record_transcripts.py (urllib3, retries and redirects off) "
                f"against a local v{self.release.text} server over plain HTTP on 127.0.0.1: "
                f"{count} exchanges in {len(self.scenarios)} scenarios. Each scenario that "
                "needs a session starts with a fresh login. Secrets in request headers are "
                "placeholders (<sessionid>, <csrftoken>, <token>); Set-Cookie values likewise, "
                "with cookie dates as <date>; a DRF token in an answer is <token>. The "
                "'template' of each exchange is for replaying it: <<var>> placeholders stand "
                "for the run tag, the passwords and ids captured from earlier answers "
                "('capture'); 'as' names the identity whose cookie jar sends it. Text bodies "
                f"longer than {LONG_TEXT} characters keep their first {SHORT_TEXT} and "
                "'body_length'. Every record made carries the run tag (rec-<tag>). "
                f"Recorded in {seconds:.0f} s"
                + (f"; {self.waited_429} answers 429 were waited out" if self.waited_429 else "")
                + "."
            ),
            "vars": {
                "tag": {"recorded": self.tag, "regenerate": "hex8"},
                "user_pw": {"recorded": self.variables["user_pw"]},
            },
            "scenarios": self.scenarios,
        }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the server, e.g. http://127.0.0.1:9431")
    parser.add_argument("--release", required=True, help="the server's release, e.g. 0.7.5")
    parser.add_argument("--admin-user", required=True)
    parser.add_argument("--admin-password", required=True)
    parser.add_argument("--token-file", required=True, type=Path, help="the staff user's DRF token")
    parser.add_argument("--out", required=True, type=Path, help="where to write the transcript")
    parser.add_argument("--tag", default=None, help="the run tag (default: 8 random hex digits)")
    parser.add_argument(
        "--note", action="append", default=[], help="a note on the server's setup (repeatable)"
    )
    args = parser.parse_args(argv)
    release = Release.parse(args.release)
    token = args.token_file.read_text("utf-8").strip()
    tag = args.tag or secrets.token_hex(4)
    user_pw = "Rec-pw-" + secrets.token_urlsafe(9)
    recorder = Recorder(
        args.url, release, args.admin_user, args.admin_password, token, tag, user_pw
    )
    started = time.monotonic()
    recorder.run()
    document = recorder.document(time.monotonic() - started, list(args.note))
    version = recorder.scenarios["public_endpoints"][0]["response"].get("text")
    if version != release.text:
        print(f"warning: the server reports version {version!r}", file=sys.stderr)
    args.out.write_text(json.dumps(document, indent=1) + "\n", "utf-8")
    for name, exchanges in recorder.scenarios.items():
        print(f"{name}: {len(exchanges)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
