"""``RetryPolicy``: how many times, how long and what the backoff layer may retry.

A frozen value, so one policy can be shared by every thread of a client and a per-call policy
can be passed around freely. The defaults suit a batch job: a transient fault costs a few
seconds at most, and no call blocks for more than :data:`DEFAULT_DEADLINE` seconds of retrying
unless its caller asked for longer.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from keystone._timeouts import LONGEST_WAIT, is_seconds

DEFAULT_MAX_ATTEMPTS = 4
DEFAULT_BACKOFF_BASE = 0.5
DEFAULT_BACKOFF_CAP = 8.0
DEFAULT_DEADLINE = 30.0
DEFAULT_MAX_RETRY_AFTER = 300.0


def _positive_seconds(name: str, value: object, *, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if not is_seconds(value):
        also = " or None for no limit" if allow_none else ""
        raise ValueError(
            f"RetryPolicy({name}={value!r}): {name} must be a positive, finite number of "
            f"seconds (at most {LONGEST_WAIT:g}){also}, e.g. {name}={getattr(RetryPolicy, name)!r}"
        )


@dataclass(frozen=True)
class RetryPolicy:
    """How the backoff layer retries one call.

    - ``max_attempts``: how many times a request may be sent in all (1 disables retries; see
      :meth:`disabled`).
    - ``backoff_base``, ``backoff_cap``: the wait before retry *n* (1-based) is drawn uniformly
      from ``[0, min(backoff_cap, backoff_base * 2 ** (n - 1))]`` ("full jitter"), so many
      clients that failed together do not retry together. A server's ``Retry-After`` replaces
      that wait.
    - ``deadline``: seconds from the start of the call after which no new attempt starts and
      no wait runs past; ``None`` means no limit. A 503's ``Retry-After`` that would end past
      the deadline makes the call fail at once, with the server's ``retry_after`` on the
      error. Waits for a throttle (a 429's ``Retry-After``, ``rate_limit``) are the server's
      time: the deadline moves on by them.
    - ``retry_non_idempotent``: also send POST and PATCH again when the server may already
      have applied them (connection dropped or read timeout after sending; 502, 503 without
      ``Retry-After``, 504). Only for requests that are harmless to repeat.
    - ``max_retry_after``: how long one request of the call may wait for throttles, all its
      waits together, and the longest 503 ``Retry-After`` it waits for, even without a
      deadline (a server asking for more makes the call fail at once, with ``retry_after`` on
      the error, or :class:`~keystone.ThrottleWaitError` for a request not sent).

    Which failures are retried at all is fixed by what is safe; see ``docs/retries.md``.
    """

    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    backoff_base: float = DEFAULT_BACKOFF_BASE
    backoff_cap: float = DEFAULT_BACKOFF_CAP
    deadline: float | None = DEFAULT_DEADLINE
    retry_non_idempotent: bool = False
    max_retry_after: float = DEFAULT_MAX_RETRY_AFTER

    def __post_init__(self) -> None:
        attempts = self.max_attempts
        if isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1:
            raise ValueError(
                f"RetryPolicy(max_attempts={attempts!r}): max_attempts must be a whole number "
                "of at least 1 (how many times a request may be sent; 1 disables retries)"
            )
        _positive_seconds("backoff_base", self.backoff_base)
        _positive_seconds("backoff_cap", self.backoff_cap)
        _positive_seconds("deadline", self.deadline, allow_none=True)
        _positive_seconds("max_retry_after", self.max_retry_after)
        if self.backoff_cap < self.backoff_base:
            raise ValueError(
                f"RetryPolicy(backoff_base={self.backoff_base!r}, backoff_cap="
                f"{self.backoff_cap!r}): backoff_cap is the longest wait and cannot be shorter "
                "than backoff_base, the first one"
            )
        if not isinstance(self.retry_non_idempotent, bool):
            raise ValueError(
                f"RetryPolicy(retry_non_idempotent={self.retry_non_idempotent!r}): "
                "retry_non_idempotent must be True or False"
            )

    @classmethod
    def disabled(cls) -> RetryPolicy:
        """A policy that never sends a request twice (errors are raised as they come)."""
        return cls(max_attempts=1)

    @property
    def enabled(self) -> bool:
        """Whether a failed request may be sent again."""
        return self.max_attempts > 1

    def replace(self, **changes: Any) -> RetryPolicy:
        """A copy with ``changes`` applied (and validated), e.g. ``policy.replace(deadline=5)``."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise TypeError(
                f"RetryPolicy has no field {', '.join(map(repr, unknown))}; "
                f"the fields are {', '.join(sorted(known))}"
            )
        return replace(self, **changes)

    def describe(self) -> str:
        """A short human summary, used in error messages."""
        if not self.enabled:
            return "retries disabled"
        deadline = "no deadline" if self.deadline is None else f"deadline {self.deadline:g} s"
        return f"at most {self.max_attempts} attempts, {deadline}"


def check_policy(value: object) -> RetryPolicy:
    """``value`` if it is a :class:`RetryPolicy`, else a ``TypeError`` saying what to pass."""
    if not isinstance(value, RetryPolicy):
        raise TypeError(
            f"retry={value!r} is not a RetryPolicy: pass e.g. retry=RetryPolicy(max_attempts=2), "
            "retry=RetryPolicy.disabled(), or None for the client's default"
        )
    return value


def given_policy(value: object) -> RetryPolicy | None:
    """A call's ``retry=``: ``None`` (the batch's policy, else the client's) or a checked
    :class:`RetryPolicy`."""
    return None if value is None else check_policy(value)
