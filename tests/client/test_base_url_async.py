"""The tests of test_base_url.py, run against AsyncKeystoneClient (see tests/async_bridge.py)."""

import test_base_url
from async_bridge import twin

twin(test_base_url, globals())
