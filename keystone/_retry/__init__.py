"""Retrying, in one place: the policy, the rules of what is safe, ``Retry-After``, the loop.

- :mod:`.policy`: :class:`RetryPolicy`, the frozen value a client and a call carry.
- :mod:`.rules`: which failed attempts may be sent again, and why each rule is safe.
- :mod:`.retry_after`: the server's ``Retry-After``, parsed strictly.
- :mod:`.layer`: the backoff middleware; a first attempt that succeeds never leaves it.
- :mod:`.loop`: the tenacity loop a call enters after a first failure worth retrying.
"""
