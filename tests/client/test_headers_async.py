"""The tests of test_headers.py, run against AsyncKeystoneClient (see tests/async_bridge.py)."""

import test_headers
from async_bridge import twin

twin(test_headers, globals())
