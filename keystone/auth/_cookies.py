"""A cookie store for the client's one origin: the part of RFC 6265 a Keystone session needs.

Keystone 0.4 and later keep a login in a Django session: the ``sessionid`` cookie, with the
``csrftoken`` cookie whose value unsafe requests repeat in ``X-CSRFToken``. The store reads
every ``Set-Cookie`` of the answers from the client's origin and gives back the ``Cookie``
header for a request. It honours ``Max-Age`` (seconds from receipt; 0 or less deletes, and it
wins over ``Expires``), ``Expires`` (a date in the past deletes), ``Path`` (a cookie goes only
to the paths under it; ``/`` when absent) and ``Secure`` (only over https). It ignores
``Domain``, since the store belongs to the client's one origin, and ``HttpOnly``/``SameSite``,
which restrict browsers' scripts and cross-site pages, not a client. Lifetimes are capped at
400 days, as RFC 6265bis asks.

Expiry is judged on the wall clock the caller passes in (the strategy's clock). The store is
thread-safe, survives a fork (:class:`~keystone._locks.ForkSafeLock`), pickles with its
cookies, and never shows a cookie's value in a ``repr``.

Answers can arrive out of order: a request that left with one session may be answered (with a
deletion of that session's cookie) after a new login stored another. :meth:`CookieJar.store`
therefore takes the store's :class:`Outgoing` marks from when the request left and leaves
alone every cookie that changed since then.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from urllib3 import HTTPHeaderDict

from keystone._locks import ForkSafeLock
from keystone.auth._cookie_dates import MAX_LIFETIME, parse_cookie_date

#: How many cookies the store keeps; beyond that the oldest goes (RFC 6265 allows 50 a host).
MAX_COOKIES = 50
#: A cookie whose name and value together are longer than this is ignored (RFC 6265: 4096).
MAX_COOKIE_SIZE = 4096

_NEVER = float("inf")
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_DELTA_SECONDS = re.compile(r"-?[0-9]+\Z")

#: A cookie's place in the store: its name and path (one origin, so no domain).
Key = tuple[str, str]
#: Which version of each cookie the store held when a request left (see :meth:`CookieJar.store`).
Marks = Mapping[Key, int]


@dataclass(frozen=True, repr=False)
class Cookie:
    """One stored cookie. ``expires`` is wall-clock seconds, ``None`` for a session cookie.

    ``serial`` orders cookies by when they were stored; each store gets a new one, so a
    request's marks tell whether a cookie changed since the request left.
    """

    name: str
    value: str
    path: str = "/"
    secure: bool = False
    expires: float | None = None
    serial: int = 0

    @property
    def key(self) -> Key:
        return (self.name, self.path)

    def expired(self, now: float) -> bool:
        return self.expires is not None and now >= self.expires

    def goes_to(self, path: str, https: bool) -> bool:
        """Whether a request to ``path`` (over https or not) carries this cookie."""
        return (https or not self.secure) and path_matches(path, self.path)

    def __repr__(self) -> str:
        return f"<Cookie {self.name} path={self.path!r} value=***>"


@dataclass(frozen=True, repr=False)
class Outgoing:
    """What the store gives one request: its ``Cookie`` header, the values sent, the marks."""

    header: str | None
    sent: Mapping[str, str]
    marks: Marks

    def __repr__(self) -> str:
        return f"<Outgoing cookies={sorted(self.sent)!r}>"


def path_matches(request_path: str, cookie_path: str) -> bool:
    """RFC 6265 5.1.4: ``cookie_path`` is ``request_path`` or one of its parent paths."""
    if request_path == cookie_path:
        return True
    return request_path.startswith(cookie_path) and (
        cookie_path.endswith("/") or request_path[len(cookie_path)] == "/"
    )


def url_parts(url: str) -> tuple[str, bool]:
    """The path of an absolute URL and whether it is https (without a full parse)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        rest = url
    slash = rest.find("/")
    path = "/" if slash < 0 else rest[slash:].partition("?")[0].partition("#")[0]
    return path or "/", scheme.lower() == "https"


def set_cookie_lines(headers: Mapping[str, str]) -> list[str]:
    """Every ``Set-Cookie`` of an answer's headers, each on its own (they cannot be joined)."""
    if isinstance(headers, HTTPHeaderDict):
        return headers.getlist("Set-Cookie")
    value = headers.get("Set-Cookie") or headers.get("set-cookie")
    return [value] if value else []


def parse_set_cookie(line: str, now: float) -> Cookie | None:
    """The cookie one ``Set-Cookie`` value describes (RFC 6265 5.2), or ``None`` to ignore it.

    A cookie to delete comes back with an ``expires`` at or before ``now``.
    """
    pair, _, attributes = line.partition(";")
    name, equals, value = pair.partition("=")
    name, value = name.strip(" \t"), value.strip(" \t")
    if not equals or not name or len(name) + len(value) > MAX_COOKIE_SIZE:
        return None
    if _CONTROL.search(name) or _CONTROL.search(value):
        return None
    path, secure = "/", False
    max_age: float | None = None
    expires: float | None = None
    for attribute in attributes.split(";"):
        key, _, argument = attribute.partition("=")
        key, argument = key.strip(" \t").lower(), argument.strip(" \t")
        if key == "max-age" and _DELTA_SECONDS.match(argument):
            seconds = int(argument)
            max_age = now + min(seconds, MAX_LIFETIME) if seconds > 0 else -_NEVER
        elif key == "expires":
            date = parse_cookie_date(argument)
            if date is not None:
                expires = min(date, now + MAX_LIFETIME)
        elif key == "path":
            path = argument if argument.startswith("/") else "/"
        elif key == "secure":
            secure = True
    return Cookie(name, value, path, secure, max_age if max_age is not None else expires)


class CookieJar:
    """The cookies of one origin; see the module docstring. All methods are thread-safe."""

    def __init__(self, cookies: Iterable[Cookie] = ()) -> None:
        self._lock = ForkSafeLock()
        self._cookies: dict[Key, Cookie] = {}
        self._serial = 0  # moves on with every change: also the version of the contents
        # The last answer of outgoing(): (version, https, path or None for any, until, answer).
        self._last: tuple[int, bool, str | None, float, Outgoing] | None = None
        for cookie in cookies:
            self._put(cookie)

    # -- requests ------------------------------------------------------------------------------

    def outgoing(self, url: str, now: float) -> Outgoing:
        """The ``Cookie`` header for a request to ``url``, the values in it, and the marks.

        Longer paths come first, then older cookies, as RFC 6265 5.4 orders them. The answer
        is kept for the next request, until the store changes or one of its cookies expires.
        """
        path, https = url_parts(url)
        # The usual case, read without the lock: the answer kept is a tuple built whole, and
        # it is used only when the store's version still is the one it was made for.
        last = self._last
        if (
            last is not None
            and last[0] == self._serial
            and last[1] == https
            and now < last[3]
            and last[2] in (None, path)
        ):
            return last[4]  # nothing changed since the last request
        with self._lock:
            version = self._serial
            cookies = list(self._cookies.values())
        marks = {cookie.key: cookie.serial for cookie in cookies}
        chosen = [c for c in cookies if not c.expired(now) and c.goes_to(path, https)]
        chosen.sort(key=lambda c: (-len(c.path), c.serial))
        sent: dict[str, str] = {}
        for cookie in chosen:
            sent.setdefault(cookie.name, cookie.value)
        header = "; ".join(f"{cookie.name}={cookie.value}" for cookie in chosen) or None
        outgoing = Outgoing(header, sent, marks)
        until = min((c.expires for c in cookies if c.expires and c.expires > now), default=_NEVER)
        any_path = all(cookie.path == "/" for cookie in cookies)
        with self._lock:
            if self._serial == version:
                self._last = (version, https, None if any_path else path, until, outgoing)
        return outgoing

    # -- answers -------------------------------------------------------------------------------

    def store(self, lines: Iterable[str], now: float, *, marks: Marks | None = None) -> None:
        """Take in the ``Set-Cookie`` values of one answer, received at ``now``.

        With ``marks`` (from the request's :meth:`outgoing`), a cookie that changed since the
        request left is left as it is: a newer answer already spoke about it.
        """
        parsed = [cookie for line in lines if (cookie := parse_set_cookie(line, now))]
        if not parsed:
            return
        with self._lock:
            for cookie in parsed:
                current = self._cookies.get(cookie.key)
                if marks is not None and marks.get(cookie.key) != (
                    None if current is None else current.serial
                ):
                    continue
                if cookie.expired(now):
                    self._remove(cookie.key)
                else:
                    self._put(cookie)
            self._drop_expired(now)

    # -- reading and forgetting ----------------------------------------------------------------

    def value(self, name: str, now: float) -> str | None:
        """The value of the unexpired cookie ``name`` (the one of the longest path), if any."""
        with self._lock:
            found = [c for c in self._cookies.values() if c.name == name and not c.expired(now)]
        return max(found, key=lambda c: len(c.path)).value if found else None

    def clear(self) -> None:
        """Forget every cookie."""
        with self._lock:
            self._clear()

    def clear_unless_replaced(self, name: str, value: str) -> bool:
        """Forget every cookie, unless cookie ``name`` now holds another value than ``value``.

        Returns ``False`` (and forgets nothing) when it was replaced meanwhile, e.g. by a new
        login in another thread; ``True`` when the store is now empty.
        """
        with self._lock:
            held = {c.value for c in self._cookies.values() if c.name == name}
            if held and value not in held:
                return False
            self._clear()
            return True

    def cookies(self) -> list[Cookie]:
        """A copy of the stored cookies, oldest first."""
        with self._lock:
            return sorted(self._cookies.values(), key=lambda c: c.serial)

    def names(self) -> list[str]:
        """The names of the stored cookies, sorted (their values are never shown)."""
        return sorted({cookie.name for cookie in self.cookies()})

    def __len__(self) -> int:
        with self._lock:
            return len(self._cookies)

    # -- internals -----------------------------------------------------------------------------

    # Changes, made with the lock held (or during construction); each moves the serial on.

    def _put(self, cookie: Cookie) -> None:
        """Store ``cookie`` with a new serial."""
        self._serial += 1
        self._cookies[cookie.key] = replace(cookie, serial=self._serial)
        if len(self._cookies) > MAX_COOKIES:
            self._remove(min(self._cookies.values(), key=lambda c: c.serial).key)

    def _remove(self, key: Key) -> None:
        if self._cookies.pop(key, None) is not None:
            self._serial += 1

    def _clear(self) -> None:
        self._cookies.clear()
        self._serial += 1

    def _drop_expired(self, now: float) -> None:
        for key in [key for key, cookie in self._cookies.items() if cookie.expired(now)]:
            self._remove(key)

    def __getstate__(self) -> dict[str, Any]:
        return {"cookies": self.cookies()}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["cookies"])  # type: ignore[misc]

    def __repr__(self) -> str:
        return f"<CookieJar cookies={self.names()!r}>"
