"""The tests of test_timeouts.py, run against AsyncKeystoneClient (see tests/async_bridge.py)."""

import test_timeouts
from async_bridge import twin

twin(test_timeouts, globals())
