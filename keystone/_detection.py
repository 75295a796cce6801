"""Finding out which Keystone release a server is, with as few requests as its answers allow.

The detection is a flow, like the auth strategies' (a generator that yields requests and is
sent their answers), so any driver can run it and it holds no I/O of its own:

1. ``GET version/``: every release answers its version as text. A release the client knows
   (:data:`~keystone.resources.declared.RELEASES`) is the answer, in one request.
2. Otherwise (``0.0.0`` from a source checkout, a release the client does not know, or no
   usable answer), ``GET authentication/whoami/`` tells the era: an HTML 404 is Keystone
   0.3.x (if ``version/`` answered a version: else the URL is no API root); a 401 with an
   empty body is 0.4.0 to 0.6.5; the API's JSON is a later release (or, with credentials,
   any 0.4+ one). Where the endpoints are to tell more, ``HEAD`` of a path no Keystone has
   must answer an HTML 404 first: a gateway that answers 401 to every path says nothing.
3. A version the client does not know but can place (``0.6.99``, ``0.11.0``) follows the
   newest known release at or before it. A server that reported no usable version is placed
   by the endpoints it has: ``HEAD`` of the endpoint that best splits the releases still
   possible (an HTML 404 means absent, any answer of the API's means present), until no
   endpoint tells them apart; the client then follows the oldest of them, which declares
   nothing the others lack. Either way a note at INFO (``keystone.server``) and
   ``Server.note`` say what was found and followed.
"""

from __future__ import annotations

import logging
from collections.abc import Generator, Iterable
from dataclasses import replace

from keystone._errors import UnexpectedResponseError, shown_url
from keystone._media import has_json_body
from keystone._redaction import DEFAULT_REDACTOR, Redactor
from keystone._request import CallState, Request
from keystone._response import Response
from keystone._servers import Generation, Server, Version, version
from keystone.resources._endpoints import declarations
from keystone.resources.catalog import BY_NAME
from keystone.resources.declared import RELEASES

logger = logging.getLogger("keystone.server")

VERSION_ENDPOINT = "version/"
WHOAMI_ENDPOINT = "authentication/whoami/"

#: A detection: yields the requests to send, is sent each one's answer, returns the server.
DetectionFlow = Generator[Request, Response, Server]

#: Resources whose presence is a capability, by the name :attr:`Server.capabilities` gives.
_RESOURCE_CAPABILITIES = {
    "research_groups": "research_group",
    "teams": "team",
    "memberships": "membership",
    "attachments": "attachment",
    "comments": "comment",
    "notifications": "notification",
    "app_log": "app_log",
    "audit_log": "audit_log",
    "activity_feed": "feed_entry",
}


def capabilities(release: str) -> frozenset[str]:
    """What release ``release`` offers, by name (see :attr:`Server.capabilities`)."""
    declared = declarations(release)
    found = {
        name
        for name, resource in _RESOURCE_CAPABILITIES.items()
        if BY_NAME[resource].path_in(declared) is not None
    }
    attachments = BY_NAME["attachment"].path_in(declared)
    if attachments is not None and declared[attachments].files:
        found.add("uploads")
    if any(path.startswith("stats/") for path in declared):
        found.add("stats")
    if "config" in declared:
        found.add("config")
    if "batch" in declared:
        found.add("atomic_jobs")
    if any("-choices" in path for path in declared):
        found.add("choices")
    endpoints = declared.values()
    if any(e.search for e in endpoints):
        found.add("search")
    if any(e.order for e in endpoints):
        found.add("order")
    if any("__not_" in name for e in endpoints for name in e.filters):
        found.add("negated_lookups")
    if any(e.paginated for e in endpoints):
        found.add("pages")
    return frozenset(found)


def server_of(follows: str, reported: Version | None = None, note: str | None = None) -> Server:
    """The :class:`Server` that follows the declarations of known release ``follows``."""
    return Server.of(version(follows), capabilities(follows), reported=reported, note=note)


def _known_at_or_before(wanted: Version, among: Iterable[str]) -> str | None:
    fitting = [r for r in among if version(r) <= wanted]
    return fitting[-1] if fitting else None


def given(value: object) -> Server:
    """The server ``KeystoneClient(server=...)`` names: a generation (``"0.3"``, ``"0.4+"``, a
    :class:`~keystone.Generation`) or a release (``"0.7.5"``)."""
    if isinstance(value, Server):
        return value
    if isinstance(value, Generation) or value in [g.value for g in Generation]:
        generation = Generation.of(value)
        old = generation is Generation.V0_3
        follows = [r for r in RELEASES if (version(r) < version("0.4.0")) is old][-1]
        return server_of(
            follows, note=f"given as server={generation.value!r}: the client follows {follows}"
        )
    wanted = Version.parse(value)
    if wanted is None or wanted.is_unstamped:
        raise ValueError(
            f"server={value!r} is not a Keystone release or generation; give a release such as "
            f"'0.7.5', or '0.3' or '0.4+' (the newest release of that generation), or leave it "
            "out to let the client find out"
        )
    if str(wanted) in RELEASES:
        return server_of(str(wanted), reported=wanted)
    follows = _known_at_or_before(wanted, RELEASES) or RELEASES[0]
    return server_of(follows, reported=wanted, note=_nearest_note(wanted, follows))


def _nearest_note(reported: Version, follows: str) -> str:
    return (
        f"the server reports Keystone {reported}, a release this client does not know; it "
        f"follows the declarations of {follows}, the nearest release it knows"
    )


def _probe(method: str, endpoint: str) -> Request:
    return Request(method, endpoint, call=CallState("probe", raise_for_status=False))


def _reported(response: Response) -> Version | None:
    if response.status_code != 200 or has_json_body(response.headers):
        return None
    text = response.content[:64].decode("ascii", "replace").strip()
    return Version.parse(text)


def redirect_note(response: Response, redactor: Redactor = DEFAULT_REDACTOR) -> str:
    """For a 3xx answer, where it points (the client follows no redirect), else ``""``."""
    if not 300 <= response.status_code < 400:
        return ""
    target = response.headers.get("Location")
    where = f" to {redactor.url(target)!r}" if target else " without saying where to"
    return (
        f", a redirect{where}: the client follows no redirect (a POST would lose its body, "
        "and credentials must not follow it elsewhere); if that is the API, give its URL to "
        "the client"
    )


def _era(response: Response, url: str, version_answer: Response) -> list[str]:
    """The releases an answer to an anonymous ``GET authentication/whoami/`` allows.

    ``version_answer`` is the answer to ``GET version/``: Keystone 0.3.x has no whoami (an
    HTML 404) but answers its version, so an HTML 404 without a version means the URL is not
    a Keystone API root.
    """
    status = response.status_code
    newer = [r for r in RELEASES if version(r) >= version("0.4.0")]
    if status == 404 and not has_json_body(response.headers):
        if _reported(version_answer) is None:
            raise UnexpectedResponseError(
                f"GET {url} answered 404 with a web page, and GET version/ answered "
                f"{version_answer.status_code}{redirect_note(version_answer)} with no Keystone "
                "version: this does not look like a Keystone API root (every release answers "
                "version/, and every release from 0.4.0 on whoami). Check the client's URL; if "
                "the API is under a path, include it (e.g. https://host/api).",
                response=response,
            )
        return [r for r in RELEASES if version(r) < version("0.4.0")]
    if status == 401 and not response.content.strip():
        return [r for r in newer if version(r) < version("0.6.6")]
    if has_json_body(response.headers) and status in (401, 403):
        return [r for r in newer if version(r) >= version("0.6.4")] if status == 401 else newer
    if has_json_body(response.headers) and status == 200:
        return newer
    raise UnexpectedResponseError(
        f"GET {url} answered {status}{redirect_note(response)}, which no Keystone release "
        "answers there, so the client cannot tell which Keystone this is; check that the URL "
        "is the API root.",
        response=response,
    )


#: A path no Keystone release has: a Keystone answers it with an HTML 404, whoever asks.
UNKNOWN_PATH = "keystone-client/no-such-endpoint/"


def _check_unknown_path(answer: Response, url: str) -> None:
    """Raise unless ``answer`` (to ``HEAD`` of :data:`UNKNOWN_PATH`) is an HTML 404: a server
    that answers it otherwise answers every path so (a gateway asking for credentials of its
    own, a web site), and its answers say nothing of the endpoints behind it."""
    if answer.status_code == 404 and not has_json_body(answer.headers):
        return
    raise UnexpectedResponseError(
        f"HEAD {url} answered {answer.status_code}{redirect_note(answer)}, though no Keystone "
        "has that path: something in front of the server answers every path so (a gateway "
        "that wants credentials of its own answers 401 or 403 to all), and the client "
        "cannot tell which Keystone is behind it. Check the client's URL and what stands in "
        "front of the API.",
        response=answer,
    )


def _splitting_path(candidates: list[str]) -> str | None:
    """The endpoint whose presence best halves ``candidates`` (``None``: none tells them apart)."""
    sets = {r: declarations(r) for r in candidates}
    paths = sorted({p for declared in sets.values() for p, e in declared.items() if e.slash})
    best, best_score = None, len(candidates)
    for path in paths:
        having = sum(1 for declared in sets.values() if path in declared)
        if 0 < having < len(candidates):
            score = max(having, len(candidates) - having)
            if score < best_score:
                best, best_score = path, score
    return best


def detection_flow(url: str) -> DetectionFlow:
    """Find out the release of the Keystone API at ``url`` (its root, for messages)."""
    version_answer = yield _probe("GET", VERSION_ENDPOINT)
    reported = _reported(version_answer)
    if reported is not None and str(reported) in RELEASES:
        return server_of(str(reported), reported=reported)
    whoami = yield _probe("GET", WHOAMI_ENDPOINT)
    candidates = _era(whoami, shown_url(url + WHOAMI_ENDPOINT), version_answer)
    if reported is None and whoami.status_code != 404:  # the endpoints will tell: can they?
        _check_unknown_path((yield _probe("HEAD", UNKNOWN_PATH)), shown_url(url + UNKNOWN_PATH))
    if reported is not None and not reported.is_unstamped:
        follows = _known_at_or_before(reported, candidates) or candidates[0]
        server = server_of(follows, reported, _nearest_note(reported, follows))
        logger.info("%s", server.note)
        return server
    while len(candidates) > 1:
        path = _splitting_path(candidates)
        if path is None:
            break
        answer = yield _probe("HEAD", f"{path}/")
        present = has_json_body(answer.headers) or answer.status_code not in (404, 410)
        candidates = [r for r in candidates if (path in declarations(r)) is present]
        if not candidates:
            raise UnexpectedResponseError(
                f"HEAD {shown_url(url + path + '/')} answered {answer.status_code}, which no "
                "Keystone release the client knows would; check that the URL is the API root, "
                "or give the release with KeystoneClient(url, server='0.7.5')",
                response=answer,
            )
    follows = candidates[0]
    shown = "0.0.0" if reported is not None else "no version"
    span = follows if len(candidates) == 1 else f"{candidates[0]} to {candidates[-1]}"
    note = (
        f"the server reports {shown} (e.g. installed from a source checkout); its endpoints "
        f"are those of Keystone {span}, so the client follows the declarations of {follows}"
    )
    server = server_of(follows, reported, note)
    if not server.tokens and any(server_of(r).tokens for r in candidates):
        # Some of the releases it may be take API tokens: a token is not refused.
        server = replace(server, tokens=True, capabilities=server.capabilities | {"tokens"})
    logger.info("%s", note)
    return server
