"""The tests of test_sessions.py, run against AsyncKeystoneClient (see tests/async_bridge.py)."""

import test_sessions
from async_bridge import SYNC_MIDDLEWARE, twin

twin(
    test_sessions,
    globals(),
    skip={"test_logout_blacklists_the_refresh_token": SYNC_MIDDLEWARE},
)
