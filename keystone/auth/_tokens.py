"""Reading JWT claims (without verifying: the client has no key) and when to refresh.

SimpleJWT gives a refreshed access token the refresh token's ``iat`` (the login time), so
``exp - iat`` is not an access token's lifetime. The lifetime is measured instead from the
moment the token was received, on the monotonic clock, so wall-clock jumps do not matter.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from dataclasses import dataclass
from typing import Any

from keystone._clock import Clock

#: Refresh this fraction of a token's lifetime before it ends...
LEEWAY_FRACTION = 0.1
#: ...but never more than this many seconds early.
MAX_LEEWAY = 30.0
#: ``exp`` values beyond this (the year 33658) are not dates: such a token has no usable expiry.
_LATEST_EXP = 10**12


def claims_of(token: str) -> dict[str, Any]:
    """The payload of a JWT, or ``{}`` when it is not a decodable JWT."""
    try:
        payload = token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (IndexError, ValueError, binascii.Error, UnicodeDecodeError):
        return {}
    return claims if isinstance(claims, dict) else {}


def _exp_of(token: str) -> float | None:
    exp = claims_of(token).get("exp")
    if isinstance(exp, bool) or not isinstance(exp, (int, float)):
        return None
    if isinstance(exp, int) and not -_LATEST_EXP < exp < _LATEST_EXP:
        return None  # a date beyond any calendar (float() of it would overflow)
    return float(exp) if math.isfinite(exp) else None


def refresh_deadline(token: str, *, now_wall: float, now_mono: float) -> float:
    """Monotonic time at which ``token`` (just received) should be refreshed.

    The leeway is a tenth of the remaining lifetime, capped at 30 s: a 5-minute token is
    refreshed 30 s early, a 2-second token 0.2 s early. A token without a readable ``exp``,
    or one that already looks expired because the clocks disagree, is never refreshed ahead
    of time; the refresh on 401 covers it.
    """
    exp = _exp_of(token)
    if exp is None:
        return math.inf
    lifetime = exp - now_wall
    if lifetime <= 0:
        return math.inf
    return now_mono + lifetime - min(lifetime * LEEWAY_FRACTION, MAX_LEEWAY)


@dataclass(frozen=True, repr=False)
class Session:
    """An access/refresh pair and when to renew the access token. Never shows the tokens."""

    access: str
    refresh: str
    refresh_at: float  # monotonic seconds
    refresh_expires: float | None  # wall-clock seconds (the refresh token's exp)

    @classmethod
    def start(cls, access: str, refresh: str, clock: Clock) -> Session:
        """A session that begins now, with tokens just received."""
        return cls(
            access,
            refresh,
            refresh_deadline(access, now_wall=clock.time(), now_mono=clock.monotonic()),
            _exp_of(refresh),
        )

    def with_access(self, access: str, clock: Clock) -> Session:
        """The same session with a new access token (the refresh token is kept)."""
        deadline = refresh_deadline(access, now_wall=clock.time(), now_mono=clock.monotonic())
        return Session(access, self.refresh, deadline, self.refresh_expires)

    def alive(self, clock: Clock) -> bool:
        """Whether the refresh token has not expired (judged on the local clock)."""
        return self.refresh_expires is None or clock.time() < self.refresh_expires

    def __repr__(self) -> str:
        return "<Session access=*** refresh=***>"
