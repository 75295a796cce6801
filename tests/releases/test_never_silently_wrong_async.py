"""The tests of test_never_silently_wrong.py, run against AsyncKeystoneClient (see
tests/async_bridge.py)."""

import test_never_silently_wrong
from async_bridge import twin

twin(test_never_silently_wrong, globals())
