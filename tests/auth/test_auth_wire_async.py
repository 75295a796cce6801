"""The tests of test_auth_wire.py, run against AsyncKeystoneClient (see tests/async_bridge.py)."""

import test_auth_wire
from async_bridge import twin

twin(test_auth_wire, globals())
