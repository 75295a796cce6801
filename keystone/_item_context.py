"""What a batch tells the calls its items make: their retry policy and the batch's deadline.

``client.batch(fn, items, retry=..., deadline=...)`` runs ``fn`` on other threads (or other
processes), where the calls ``fn`` makes cannot be given arguments by the batch. The batch
sets these context variables around each item instead: the calls read them where a call of
their own would have said otherwise (``retry=`` on the call itself wins), and the throttle
does not hold a request past the batch's deadline.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from keystone._retry_policy import RetryPolicy
    from keystone._timeouts import CallDeadline

_POLICY: ContextVar[RetryPolicy | None] = ContextVar("keystone_item_retry", default=None)
_ENDS: ContextVar[CallDeadline | None] = ContextVar("keystone_item_batch_deadline", default=None)


class item_context:
    """Within it, calls use ``policy`` unless they give their own, and the throttle holds no
    request past ``ends`` (the batch's deadline, on the client's clock).

    Inside another batch's item, what this batch leaves out is the outer one's, and the
    earlier of the two deadlines holds. (A class, not a generator: a batch enters one per
    item, and this costs a third of ``contextlib.contextmanager``'s.)"""

    __slots__ = ("_ends", "_ends_token", "_policy", "_policy_token")

    def __init__(self, policy: RetryPolicy | None, ends: CallDeadline | None) -> None:
        self._policy = policy
        self._ends = ends

    def __enter__(self) -> None:
        ends, outer = self._ends, _ENDS.get()
        if outer is not None and (ends is None or outer.left() < ends.left()):
            ends = outer
        self._policy_token = _POLICY.set(self._policy or _POLICY.get())
        self._ends_token = _ENDS.set(ends)

    def __exit__(self, *exc_info: object) -> None:
        _ENDS.reset(self._ends_token)
        _POLICY.reset(self._policy_token)


def item_policy() -> RetryPolicy | None:
    """The retry policy the batch running this item gave its calls, if any."""
    return _POLICY.get()


def batch_deadline() -> CallDeadline | None:
    """The deadline of the batch running this item, if it has one."""
    return _ENDS.get()
