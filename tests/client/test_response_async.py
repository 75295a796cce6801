"""The tests of test_response.py, run against AsyncKeystoneClient (see tests/async_bridge.py)."""

import test_response
from async_bridge import twin

twin(test_response, globals())
