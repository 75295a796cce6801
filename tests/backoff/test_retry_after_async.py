"""The tests of test_retry_after.py, run against AsyncKeystoneClient (see tests/async_bridge.py)."""

import test_retry_after
from async_bridge import twin

twin(test_retry_after, globals())
