"""The tests of test_detection.py, run against AsyncKeystoneClient (see tests/async_bridge.py)."""

import test_detection
from async_bridge import twin

twin(test_detection, globals())
