"""The tests of test_errors.py, run against AsyncKeystoneClient (see tests/async_bridge.py)."""

import test_errors
from async_bridge import twin

twin(test_errors, globals())
