"""The tests of test_odd_answers.py, run against AsyncKeystoneClient (see
tests/async_bridge.py)."""

import test_odd_answers
from async_bridge import twin

twin(test_odd_answers, globals())
