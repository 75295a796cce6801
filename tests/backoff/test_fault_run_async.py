"""The tests of test_fault_run.py, run against AsyncKeystoneClient (see tests/async_bridge.py)."""

import test_fault_run
from async_bridge import twin

twin(test_fault_run, globals())
