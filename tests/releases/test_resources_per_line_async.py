"""The tests of test_resources_per_line.py, run against AsyncKeystoneClient (see
tests/async_bridge.py)."""

import test_resources_per_line
from async_bridge import twin

twin(test_resources_per_line, globals())
