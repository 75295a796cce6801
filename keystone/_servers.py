"""Which Keystone the client talks to: its release, and what that release does.

Keystone changed its dialect at 0.4 (JWT logins and plain lists gave way to Django sessions
with CSRF), and went on changing release by release: research groups became teams (0.5.0),
search and ordering came (0.5.0, 0.5.9), API tokens (0.6.4), lists paged in headers (0.7.4)
then in an envelope (0.8.0), negated lookups (0.9.3, 0.10.7), and a dozen endpoints. Every
release ignores a query parameter it does not know, so a client that sends a lookup the release
lacks gets the unfiltered list without an error. The client therefore knows the exact release
(``GET version/``, see :mod:`keystone._detection`) and follows that release's declarations.

What each release's schema says (endpoints, fields, filters, search, order) is declared in
:mod:`keystone.resources.declared`; what the schema does not say (how login answers, whether
tokens work, how lists are paged, what "not logged in" looks like) is the table
:data:`_TRAITS` here, with the release where each changed, as found in the server's source.
"""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import total_ordering


class Generation(str, enum.Enum):
    """Which dialect of the Keystone API a server speaks.

    ``V0_3`` is Keystone 0.3.x (JWT, plain JSON lists, research groups); ``V0_4`` is Keystone
    0.4 and later (sessions with CSRF, and from 0.6.4 API tokens). Within a generation the
    releases differ too: :class:`Server` says what the connected one does.
    """

    V0_3 = "0.3"
    V0_4 = "0.4+"

    @property
    def describe(self) -> str:
        """How messages name it: ``"Keystone 0.3.x"`` or ``"Keystone 0.4 and later"``."""
        return "Keystone 0.3.x" if self is Generation.V0_3 else "Keystone 0.4 and later"

    @classmethod
    def of(cls, value: object) -> Generation:
        """``value`` as a generation (a member, or its text such as ``"0.3"``), or ValueError."""
        if isinstance(value, Generation):
            return value
        for member in cls:
            if value == member.value:
                return member
        choices = ", ".join(repr(m.value) for m in cls)
        raise ValueError(f"server={value!r} is not a Keystone generation; give one of {choices}")


_VERSION = re.compile(r"v?(\d+(?:\.\d+){1,3})(?:[.-]?(post|rc)(\d+))?")


@total_ordering
@dataclass(frozen=True)
class Version:
    """A Keystone release number, ordered as releases are: ``0.5.4 < 0.5.4.post1 < 0.5.5``.

    Keystone tags are ``X.Y.Z`` with an occasional fourth number (``0.6.3.1``), ``.postN``
    (after its release) or ``.rcN`` (before it).
    """

    numbers: tuple[int, ...]
    suffix: tuple[int, int] = (0, 0)  # (-1, N) for rcN, (1, N) for postN

    @classmethod
    def parse(cls, text: object) -> Version | None:
        """The version ``text`` names (``"0.7.5"``, ``"v0.6.3.1"``), or ``None``."""
        if not isinstance(text, str):
            return None
        match = _VERSION.fullmatch(text.strip())
        if match is None:
            return None
        numbers = tuple(int(part) for part in match.group(1).split("."))
        while len(numbers) > 3 and numbers[-1] == 0:
            numbers = numbers[:-1]
        numbers = numbers + (0,) * (3 - len(numbers))
        kind, count = match.group(2), match.group(3)
        suffix = (0, 0) if kind is None else ((-1 if kind == "rc" else 1), int(count))
        return cls(numbers, suffix)

    def _key(self) -> tuple[tuple[int, ...], tuple[int, int]]:
        return (self.numbers + (0,) * (4 - len(self.numbers)), self.suffix)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Version):
            return NotImplemented
        return self._key() < other._key()

    @property
    def is_unstamped(self) -> bool:
        """``0.0.0``: what a server installed from a source checkout reports."""
        return self.numbers == (0, 0, 0)

    def __str__(self) -> str:
        text = ".".join(str(n) for n in self.numbers)
        if self.suffix[0]:
            text += f".{'rc' if self.suffix[0] < 0 else 'post'}{self.suffix[1]}"
        return text


@functools.lru_cache(maxsize=512)
def version(text: str) -> Version:
    """``Version.parse(text)`` for a literal known to be valid (kept: releases are few)."""
    parsed = Version.parse(text)
    if parsed is None:
        raise ValueError(f"{text!r} is not a Keystone release number such as '0.7.5'")
    return parsed


class Paging(str, enum.Enum):
    """How a release answers a list."""

    WHOLE = "whole"
    """One plain JSON list of every record (Keystone 0.3.x to 0.7.3)."""
    HEADERS = "headers"
    """A JSON list of at most ``_limit`` records, the total in ``X-Total-Count`` (0.7.4, 0.7.5)."""
    ENVELOPE = "envelope"
    """``{count, next, previous, results}`` pages by ``_limit`` and ``_offset`` (0.8.0 on)."""


class Login(str, enum.Enum):
    """How a release logs a user in."""

    JWT = "jwt"
    """``authentication/new/`` answers an access and a refresh token (0.3.x)."""
    REST_AUTH = "rest-auth"
    """dj-rest-auth's ``authentication/login/``: a session, and ``{"key": ...}`` (0.4.0 to
    0.6.11); its logout deletes the user's API token and answers anyone."""
    SESSION = "session"
    """Keystone's own ``authentication/login/``: a session, and the user's record (0.6.12 on)."""


@dataclass(frozen=True)
class _Traits:
    """What a release does that its schema does not say."""

    login: Login
    tokens: bool
    not_logged_in: int
    paging: Paging


# Each row: the first release with these traits (the server's source, keystone_api/ of the tag).
_TRAITS: tuple[tuple[Version, _Traits], ...] = (
    # 0.3.x: SimpleJWT (main/settings.py DEFAULT_AUTHENTICATION_CLASSES), plain lists.
    (version("0.0.0"), _Traits(Login.JWT, False, 401, Paging.WHOLE)),
    # 0.3.27rc1/0.4.0: dj-rest-auth (apps/authentication/urls.py:11-12); DRF's default Session
    # and Basic authentication (no DEFAULT_AUTHENTICATION_CLASSES), so "not logged in" is 403.
    (version("0.3.27.rc1"), _Traits(Login.REST_AUTH, False, 403, Paging.WHOLE)),
    # 0.6.4: TokenAuthentication first (main/settings.py:203-206): tokens work, 401.
    (version("0.6.4"), _Traits(Login.REST_AUTH, True, 401, Paging.WHOLE)),
    # 0.6.12: Keystone's own LoginView/LogoutView (apps/authentication/views.py:48, :54).
    (version("0.6.12"), _Traits(Login.SESSION, True, 401, Paging.WHOLE)),
    # 0.7.4: LimitOffsetPagination with the totals in headers (plugins/pagination.py:16-34).
    (version("0.7.4"), _Traits(Login.SESSION, True, 401, Paging.HEADERS)),
    # 0.8.0: the {count, next, previous, results} envelope (plugins/pagination.py:12-18).
    (version("0.8.0"), _Traits(Login.SESSION, True, 401, Paging.ENVELOPE)),
)

#: Lists that ignore every query parameter, by the releases that have that defect: 0.6.7 to
#: 0.6.9 serialised the team-scoped lists unfiltered (apps/users/mixins.py:44 in 0.6.7, fixed
#: in 0.6.9.1); the user-scoped lists (notifications, preferences) stayed so for users who are
#: not staff until 0.6.13 (apps/users/mixins.py:70).
_IGNORED_QUERIES: tuple[tuple[Version, Version, frozenset[str]], ...] = (
    (
        version("0.6.7"),
        version("0.6.9.1"),
        frozenset(
            {
                "allocations/allocations",
                "allocations/attachments",
                "allocations/comments",
                "allocations/requests",
                "allocations/reviews",
                "research/grants",
                "research/publications",
            }
        ),
    ),
    (
        version("0.6.8"),
        version("0.6.13"),
        frozenset({"notifications/notifications", "notifications/preferences"}),
    ),
)


#: Lists whose schema lists ``_search`` while the release ignores it (no ``search_fields``),
#: by the releases that do: the memberships until 0.9.0 (apps/users/views.py), the statistics
#: (apps/stats/views.py, a FilterGetAutoSchema without search fields), the activity feed of
#: 0.10.7 (apps/logging/views.py; searchable from 0.10.8).
_SEARCH_IGNORED: tuple[tuple[Version, Version, frozenset[str]], ...] = (
    (version("0.5.9"), version("0.9.0"), frozenset({"users/membership", "users/memberships"})),
    (
        version("0.9.0"),
        version("99.0"),
        frozenset({"stats/grants", "stats/notifications", "stats/publications", "stats/requests"}),
    ),
    (version("0.10.7"), version("0.10.8"), frozenset({"logs/feed"})),
)

#: Lists whose search names fields their records no longer have, so that any ``_search``
#: answers an HTML 500: attachments (``request__submitter``, then ``path``), reviews (the
#: comments dropped at 0.6.0), request logs (the bodies dropped at 0.5.10), the audit log and,
#: from 0.9.0, notifications (``message``, renamed ``message_text``).
_SEARCH_FAILS: tuple[tuple[Version, Version, frozenset[str]], ...] = (
    (version("0.5.9"), version("99.0"), frozenset({"allocations/attachments"})),
    (version("0.6.0"), version("99.0"), frozenset({"allocations/reviews"})),
    (version("0.5.10"), version("0.10.2"), frozenset({"logs/requests"})),
    (version("0.6.3"), version("99.0"), frozenset({"logs/audit"})),
    (version("0.9.0"), version("99.0"), frozenset({"notifications/notifications"})),
)


def _within(
    table: tuple[tuple[Version, Version, frozenset[str]], ...], release: Version
) -> set[str]:
    return {path for first, fixed, paths in table if first <= release < fixed for path in paths}


def search_ignored(release: Version) -> frozenset[str]:
    """The lists ``release`` answers unsearched, whatever ``_search`` says."""
    return frozenset(_within(_SEARCH_IGNORED, release))


def search_fails(release: Version) -> frozenset[str]:
    """The lists whose search fails on ``release`` (an HTML 500)."""
    return frozenset(_within(_SEARCH_FAILS, release))


def _traits(release: Version) -> _Traits:
    found = _TRAITS[0][1]
    for first, traits in _TRAITS:
        if release >= first:
            found = traits
    return found


def ignored_queries(release: Version) -> frozenset[str]:
    """The collections whose lists ``release`` answers unfiltered, whatever the query says."""
    return frozenset(_within(_IGNORED_QUERIES, release))


@dataclass(frozen=True)
class Server:
    """What the client found out about its server (``client.server``), once.

    ``release`` is the version the server reported (``"0.7.5"``), or ``None`` when it reported
    none the client can use (``0.0.0`` from a source checkout). ``follows`` is the known
    release whose declarations the client follows: ``release`` itself when the client knows
    it, else the nearest one, and ``note`` says why. ``login``, ``tokens`` and ``paging`` are
    how that release logs in, whether it takes API tokens, and how it pages lists;
    ``capabilities`` names what it offers (``"teams"``, ``"search"``, ``"atomic_jobs"``, ...).
    """

    release: str | None
    follows: str
    generation: Generation
    login: Login
    tokens: bool
    paging: Paging
    not_logged_in: int
    capabilities: frozenset[str] = field(default_factory=frozenset)
    note: str | None = None

    @classmethod
    def of(
        cls,
        follows: Version,
        capabilities: Iterable[str] = (),
        *,
        reported: Version | None = None,
        note: str | None = None,
    ) -> Server:
        """The server that follows the declarations of release ``follows``."""
        traits = _traits(follows)
        return cls(
            release=None if reported is None or reported.is_unstamped else str(reported),
            follows=str(follows),
            generation=Generation.V0_3 if traits.login is Login.JWT else Generation.V0_4,
            login=traits.login,
            tokens=traits.tokens,
            paging=traits.paging,
            not_logged_in=traits.not_logged_in,
            capabilities=frozenset(capabilities) | ({"tokens"} if traits.tokens else set()),
            note=note,
        )

    @property
    def version(self) -> Version:
        """:attr:`follows` as a :class:`Version`."""
        return version(self.follows)

    @property
    def describe(self) -> str:
        """How messages name it: ``"Keystone 0.7.5"``."""
        return f"Keystone {self.release or self.follows}"

    def __str__(self) -> str:
        if self.release is None:
            return f"Keystone (no release reported; the client follows {self.follows})"
        if self.release != self.follows:
            return f"Keystone {self.release} (the client follows {self.follows})"
        return self.describe
