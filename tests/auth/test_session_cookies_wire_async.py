"""The tests of test_session_cookies_wire.py, run against AsyncKeystoneClient (see
tests/async_bridge.py)."""

import test_session_cookies_wire
from async_bridge import twin

twin(test_session_cookies_wire, globals())
