"""The tests of test_odd_answers.py, run against AsyncKeystoneClient (see
tests/async_bridge.py)."""

import test_odd_answers
from async_bridge import twin

twin(
    test_odd_answers,
    globals(),
    skip={
        "test_an_impossible_body_size_is_a_dropped_connection[10**15]": (
            "transport defect: aio.py waits for a body of Content-Length 10**15 until the read "
            "timeout (ReadTimeout after 15 s) instead of refusing it at once as a dropped "
            "connection, as the urllib3 transport does"
        ),
    },
)
