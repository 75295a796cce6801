"""The cookie store on its own: parsing Set-Cookie, expiry, paths, Secure, pickling, threads."""

from __future__ import annotations

import email.utils
import os
import pickle
import threading
import time

import pytest
from urllib3 import HTTPHeaderDict

from keystone.auth._cookie_dates import MAX_LIFETIME, parse_cookie_date
from keystone.auth._cookies import (
    MAX_COOKIES,
    CookieJar,
    parse_set_cookie,
    path_matches,
    set_cookie_lines,
)

NOW = 1_800_000_000.0
API = "http://keystone.test/"


def jar_with(*lines: str, now: float = NOW) -> CookieJar:
    jar = CookieJar()
    jar.store(lines, now)
    return jar


def http_date(seconds: float) -> str:
    return email.utils.formatdate(seconds, usegmt=True)


def test_django_login_cookies_are_read_with_their_lifetimes() -> None:
    jar = jar_with(
        "csrftoken=c-123; expires=Thu, 01 Jan 2099 00:00:00 GMT; Max-Age=31449600; Path=/; "
        "SameSite=Lax",
        "sessionid=s-456; expires=Thu, 01 Jan 2099 00:00:00 GMT; HttpOnly; Max-Age=1209600; "
        "Path=/; SameSite=Lax",
    )
    assert jar.outgoing(API + "allocations/clusters/", NOW).header == (
        "csrftoken=c-123; sessionid=s-456"
    )
    expires = {c.name: c.expires for c in jar.cookies()}
    assert expires == {"csrftoken": NOW + 31449600, "sessionid": NOW + 1209600}  # Max-Age wins
    assert jar.value("sessionid", NOW + 1209599) == "s-456"
    assert jar.value("sessionid", NOW + 1209600) is None
    assert jar.value("csrftoken", NOW + 1209600) == "c-123"


@pytest.mark.parametrize("max_age", ["0", "-1", "-3600"])
def test_max_age_zero_or_negative_deletes(max_age: str) -> None:
    jar = jar_with("sessionid=s; Path=/", "csrftoken=c")
    jar.store([f'sessionid=""; Max-Age={max_age}; Path=/'], NOW)
    assert jar.names() == ["csrftoken"]


def test_expires_in_the_past_deletes_and_max_age_wins_over_it() -> None:
    jar = jar_with("sessionid=s", "a=1", "b=2")
    jar.store(['sessionid=""; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; Path=/'], NOW)
    jar.store([f"a=1; Expires={http_date(NOW - 1)}"], NOW)
    jar.store([f"b=2; Expires={http_date(NOW - 1)}; Max-Age=60"], NOW)  # Max-Age wins
    assert jar.names() == ["b"]
    assert jar.value("b", NOW + 59) == "2" and jar.value("b", NOW + 60) is None


def test_expires_in_the_future_is_kept_until_then() -> None:
    jar = jar_with(f"later=1; Expires={http_date(NOW + 120)}")
    assert jar.value("later", NOW + 119) == "1"
    assert jar.value("later", NOW + 120) is None
    assert jar.outgoing(API, NOW + 121).header is None


def test_the_header_kept_between_requests_follows_every_change() -> None:
    jar = jar_with("sessionid=s; Max-Age=60", "csrftoken=c; Max-Age=3600")
    first = jar.outgoing(API + "a/", NOW)
    assert jar.outgoing(API + "b/", NOW + 1) is first  # unchanged: the same answer, any path
    assert jar.outgoing("https://keystone.test/a/", NOW + 1) is not first
    assert jar.outgoing(API + "a/", NOW + 60).header == "csrftoken=c"  # the session expired
    jar.store(["sessionid=t"], NOW + 61)
    assert jar.outgoing(API + "a/", NOW + 61).header == "csrftoken=c; sessionid=t"
    jar.clear()
    assert jar.outgoing(API + "a/", NOW + 61).header is None


def test_a_cookie_without_lifetime_lasts_and_bad_attributes_are_ignored() -> None:
    jar = jar_with("plain=1", "odd=2; Max-Age=soon; Expires=tomorrow; Max-Age=")
    assert jar.value("plain", NOW + 10**8) == "1"
    assert jar.value("odd", NOW + 10**8) == "2"


def test_lifetimes_are_capped_at_400_days() -> None:
    jar = jar_with(f"big=1; Max-Age={10**40}", "far=1; Expires=Fri, 31 Dec 9999 23:59:59 GMT")
    assert {c.expires for c in jar.cookies()} == {NOW + MAX_LIFETIME}


@pytest.mark.parametrize(
    "text",
    [
        "Thu, 01 Jan 1970 00:00:00 GMT",
        "Thursday, 01-Jan-70 00:00:00 GMT",
        "Thu Jan  1 00:00:00 1970",
        "1 jan 1970 00:00:00",
    ],
)
def test_cookie_dates_in_every_form(text: str) -> None:
    assert parse_cookie_date(text) == 0.0


@pytest.mark.parametrize(
    "text",
    [
        "",
        "tomorrow",
        "Thu, 31 Feb 2030 00:00:00 GMT",
        "01 Jan 1970 25:00:00",
        "1 Jan 1500 00:00:00",
    ],
)
def test_not_cookie_dates(text: str) -> None:
    assert parse_cookie_date(text) is None


@pytest.mark.parametrize(
    ("request_path", "cookie_path", "matches"),
    [
        ("/", "/", True),
        ("/allocations/clusters/", "/", True),
        ("/allocations/clusters/", "/allocations", True),
        ("/allocations/clusters/", "/allocations/", True),
        ("/allocations", "/allocations", True),
        ("/allocationsx/", "/allocations", False),
        ("/users/", "/allocations", False),
        ("/", "/allocations", False),
    ],
)
def test_path_matching(request_path: str, cookie_path: str, matches: bool) -> None:
    assert path_matches(request_path, cookie_path) is matches


def test_paths_scope_cookies_and_longer_paths_come_first() -> None:
    jar = jar_with("root=r", "scoped=s; Path=/allocations", "relative=x; Path=users", "same=1")
    jar.store(["same=2; Path=/allocations/clusters"], NOW)
    assert jar.outgoing(API + "allocations/clusters/", NOW).header == (
        "same=2; scoped=s; root=r; relative=x; same=1"
    )
    assert jar.outgoing(API + "users/users/?a=1", NOW).header == "root=r; relative=x; same=1"
    assert jar.outgoing("http://keystone.test", NOW).header == "root=r; relative=x; same=1"
    assert jar.value("same", NOW) == "2"  # the most specific one
    assert jar.outgoing(API + "allocations/clusters/", NOW).sent["same"] == "2"


def test_secure_cookies_go_only_over_https() -> None:
    jar = jar_with("secret=1; Secure", "open=2")
    assert jar.outgoing("http://keystone.test/x/", NOW).header == "open=2"
    assert jar.outgoing("https://keystone.test/x/", NOW).header == "secret=1; open=2"


def test_domain_httponly_and_samesite_change_nothing() -> None:
    jar = jar_with("a=1; Domain=elsewhere.example; HttpOnly; SameSite=Strict")
    assert jar.outgoing(API, NOW).header == "a=1"


@pytest.mark.parametrize("line", ["novalue", "=anonymous", "bad=a\x01b", "x" * 5000 + "=1", ""])
def test_malformed_cookies_are_ignored(line: str) -> None:
    assert parse_set_cookie(line, NOW) is None


def test_a_replaced_cookie_takes_the_new_value() -> None:
    jar = jar_with("csrftoken=old; Path=/")
    jar.store(["csrftoken=new; Path=/"], NOW)
    assert len(jar) == 1 and jar.value("csrftoken", NOW) == "new"


def test_an_answer_does_not_undo_a_newer_change() -> None:
    """A late answer to a request of the old session cannot delete the new session's cookie."""
    jar = jar_with("sessionid=old", "csrftoken=c1")
    stale = jar.outgoing(API, NOW)  # a request leaves with the old session...
    fresh = jar.outgoing(API + "authentication/login/", NOW)
    jar.store(["sessionid=new", "csrftoken=c2"], NOW, marks=fresh.marks)  # ...a login lands
    jar.store(['sessionid=""; Max-Age=0', "other=1"], NOW, marks=stale.marks)  # ...then its answer
    assert jar.value("sessionid", NOW) == "new" and jar.value("csrftoken", NOW) == "c2"
    assert jar.value("other", NOW) == "1"  # a cookie nobody changed meanwhile is taken
    cleared = jar.outgoing(API, NOW)
    jar.clear()
    jar.store(["sessionid=late"], NOW, marks=cleared.marks)  # nothing comes back after a clear
    assert len(jar) == 0


def test_clear_unless_replaced() -> None:
    jar = jar_with("sessionid=s1", "csrftoken=c")
    assert jar.clear_unless_replaced("sessionid", "s0") is False
    assert len(jar) == 2
    assert jar.clear_unless_replaced("sessionid", "s1") is True
    assert len(jar) == 0
    assert jar.clear_unless_replaced("sessionid", "s1") is True  # nothing held: nothing to keep


def test_the_store_keeps_at_most_max_cookies_dropping_the_oldest() -> None:
    jar = jar_with(*(f"c{i}=v" for i in range(MAX_COOKIES + 5)))
    assert len(jar) == MAX_COOKIES
    assert "c0" not in jar.names() and f"c{MAX_COOKIES + 4}" in jar.names()


def test_set_cookie_lines_keeps_each_header_apart() -> None:
    headers = HTTPHeaderDict()
    headers.add("Set-Cookie", "a=1; Expires=Thu, 01 Jan 2099 00:00:00 GMT")
    headers.add("Set-Cookie", "b=2")
    assert set_cookie_lines(headers) == ["a=1; Expires=Thu, 01 Jan 2099 00:00:00 GMT", "b=2"]
    assert set_cookie_lines({"set-cookie": "c=3"}) == ["c=3"]
    assert set_cookie_lines({}) == []


def test_repr_and_pickle_never_lose_or_show_values() -> None:
    jar = jar_with("sessionid=s-secret-1; Max-Age=60", "csrftoken=c-secret-2")
    shown = repr(jar) + repr(jar.cookies()) + repr(jar.outgoing(API, NOW))
    assert "secret" not in shown and "sessionid" in shown
    copy = pickle.loads(pickle.dumps(jar))
    assert copy.outgoing(API, NOW).header == jar.outgoing(API, NOW).header
    assert copy.value("sessionid", NOW + 61) is None
    copy.store(["sessionid=other"], NOW)  # the copy is independent and has a working lock
    assert jar.value("sessionid", NOW) == "s-secret-1"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_the_store_works_in_a_child_forked_while_its_lock_was_held() -> None:
    jar = jar_with("sessionid=s")
    with jar._lock:  # another thread of the parent is storing at the moment of the fork
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                jar.store(["csrftoken=c"], NOW)
                code = 0 if jar.names() == ["csrftoken", "sessionid"] else 2
            finally:
                os._exit(code)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        time.sleep(0.02)
    else:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
        pytest.fail("the child hung on the store's lock")
    assert os.waitstatus_to_exitcode(status) == 0


def test_many_threads_store_and_read_at_once() -> None:
    jar = jar_with("sessionid=s")
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(300):
                out = jar.outgoing(API, NOW)
                jar.store([f"t{n}=v{i}", "csrftoken=c"], NOW, marks=out.marks)
                assert out.sent["sessionid"] == "s"
        except BaseException as exc:  # pragma: no cover (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert set(jar.names()) == {"sessionid", "csrftoken", *(f"t{n}" for n in range(8))}
