"""The tests of test_unexpected_answers.py, run against AsyncKeystoneClient (see
tests/async_bridge.py)."""

import test_unexpected_answers
from async_bridge import twin

twin(test_unexpected_answers, globals())
