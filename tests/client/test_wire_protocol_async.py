"""The tests of test_wire_protocol.py, run against AsyncKeystoneClient (see
tests/async_bridge.py)."""

import test_wire_protocol
from async_bridge import twin

twin(test_wire_protocol, globals())
