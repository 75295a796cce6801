"""The tests of test_session_https.py, run against AsyncKeystoneClient (see
tests/async_bridge.py)."""

import test_session_https
from async_bridge import twin

twin(test_session_https, globals())
