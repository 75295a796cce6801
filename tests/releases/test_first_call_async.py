"""The tests of test_first_call.py, run against AsyncKeystoneClient (see tests/async_bridge.py)."""

import test_first_call
from async_bridge import twin

twin(test_first_call, globals())
