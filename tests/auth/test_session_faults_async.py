"""The tests of test_session_faults.py, run against AsyncKeystoneClient (see
tests/async_bridge.py)."""

import test_session_faults
from async_bridge import twin

twin(test_session_faults, globals())
