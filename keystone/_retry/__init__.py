"""Retrying: what may be sent again, and the loop that does it.

- :mod:`.rules`: which failed attempts may be sent again, and why each rule is safe; what an
  answer asks to wait (``Retry-After``, a throttle). Decisions only, no I/O.
- :mod:`.loop`: the tenacity loop a call enters after a first failure worth retrying, run by
  the chain's backoff layer (:mod:`keystone._chain.backoff`).

The values they read live below them: :class:`~keystone.RetryPolicy`
(:mod:`keystone._retry_policy`) and the ``Retry-After`` parser (:mod:`keystone._retry_after`).
"""
