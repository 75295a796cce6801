"""The tests of test_token_everywhere.py, run against AsyncKeystoneClient (see
tests/async_bridge.py)."""

import test_token_everywhere
from async_bridge import twin

twin(test_token_everywhere, globals())
