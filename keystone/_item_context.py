"""What a batch tells the calls its items make: their retry policy and the batch's deadline.

``client.batch(fn, items, retry=..., deadline=...)`` runs ``fn`` on other threads (or other
processes), where the calls ``fn`` makes cannot be given arguments by the batch. The batch
sets these context variables around each item instead: the calls read them where a call of
their own would have said otherwise (``retry=`` on the call itself wins), and the throttle
does not hold a request past the batch's deadline.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from keystone._retry_policy import RetryPolicy
    from keystone._timeouts import CallDeadline

_POLICY: ContextVar[RetryPolicy | None] = ContextVar("keystone_item_retry", default=None)
_ENDS: ContextVar[CallDeadline | None] = ContextVar("keystone_item_batch_deadline", default=None)


@contextmanager
def item_context(policy: RetryPolicy | None, ends: CallDeadline | None) -> Iterator[None]:
    """Within it, calls use ``policy`` unless they give their own, and the throttle holds no
    request past ``ends`` (the batch's deadline, on the client's clock).

    Inside another batch's item, what this batch leaves out is the outer one's, and the
    earlier of the two deadlines holds."""
    outer = _ENDS.get()
    if outer is not None and (ends is None or outer.left() < ends.left()):
        ends = outer
    policy_token = _POLICY.set(policy or _POLICY.get())
    ends_token = _ENDS.set(ends)
    try:
        yield
    finally:
        _ENDS.reset(ends_token)
        _POLICY.reset(policy_token)


def item_policy() -> RetryPolicy | None:
    """The retry policy the batch running this item gave its calls, if any."""
    return _POLICY.get()


def batch_deadline() -> CallDeadline | None:
    """The deadline of the batch running this item, if it has one."""
    return _ENDS.get()
