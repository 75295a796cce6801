"""The tests of test_release_rules.py, run against AsyncKeystoneClient (see
tests/async_bridge.py)."""

import test_release_rules
from async_bridge import twin

twin(test_release_rules, globals())
