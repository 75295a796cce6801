"""The tests of test_backoff_restart.py, run against AsyncKeystoneClient (see
tests/async_bridge.py)."""

import test_backoff_restart
from async_bridge import twin

twin(test_backoff_restart, globals())
