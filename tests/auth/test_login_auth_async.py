"""The tests of test_login_auth.py, run against AsyncKeystoneClient (see tests/async_bridge.py)."""

import test_login_auth
from async_bridge import NO_PICKLE, twin

twin(test_login_auth, globals(), skip={"test_copies_and_pickles_carry_the_session": NO_PICKLE})
