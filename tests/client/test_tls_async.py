"""The tests of test_tls.py, run against AsyncKeystoneClient (see tests/async_bridge.py)."""

import test_tls
from async_bridge import twin

twin(test_tls, globals())
