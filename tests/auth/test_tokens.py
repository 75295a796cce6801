"""Reading token claims and deciding when to refresh."""

from __future__ import annotations

import math
import time

from jwt_factory import make_token

from keystone._clock import SYSTEM_CLOCK
from keystone.auth._tokens import Session, claims_of, refresh_deadline


def test_claims_of_a_jwt_and_of_garbage() -> None:
    token = make_token(lifetime=60, user_id=7)
    assert claims_of(token)["user_id"] == 7
    assert claims_of("garbage.token.value") == {}
    assert claims_of("not-a-token") == {}
    assert claims_of("a.W10.c") == {}  # payload is a JSON list, not claims


def test_leeway_scales_with_lifetime() -> None:
    now = time.time()
    five_minutes = make_token(exp=int(now) + 300)
    deadline = refresh_deadline(five_minutes, now_wall=now, now_mono=1000.0)
    assert 1000.0 + 300 - 31 <= deadline <= 1000.0 + 300 - 29  # 30 s early
    two_seconds = make_token(exp=int(now) + 2)
    deadline = refresh_deadline(two_seconds, now_wall=int(now), now_mono=0.0)
    assert math.isclose(deadline, 1.8, abs_tol=0.01)  # 0.2 s early, not every request


def test_lifetime_is_measured_from_receipt_not_from_iat() -> None:
    # A refreshed SimpleJWT access token carries the login time as iat.
    now = time.time()
    token = make_token(exp=int(now) + 3, iat=int(now) - 600)
    deadline = refresh_deadline(token, now_wall=int(now), now_mono=50.0)
    assert 52.6 <= deadline <= 53.0


def test_no_exp_or_skewed_clock_means_no_early_refresh() -> None:
    now = time.time()
    assert refresh_deadline("opaque-token", now_wall=now, now_mono=0.0) == math.inf
    expired_looking = make_token(exp=int(now) - 10)
    assert refresh_deadline(expired_looking, now_wall=now, now_mono=0.0) == math.inf


def test_session_hides_tokens_and_keeps_refresh_on_renewal() -> None:
    access, refresh = make_token(), make_token("refresh", lifetime=86400)
    session = Session.start(access, refresh, SYSTEM_CLOCK)
    assert access not in repr(session) and refresh not in repr(session)
    assert session.alive(SYSTEM_CLOCK)
    renewed = session.with_access(make_token(), SYSTEM_CLOCK)
    assert renewed.refresh == refresh
    assert renewed.access != access
    expired = Session.start(access, make_token("refresh", lifetime=-5), SYSTEM_CLOCK)
    assert not expired.alive(SYSTEM_CLOCK)
