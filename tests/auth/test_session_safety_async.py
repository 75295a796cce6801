"""The tests of test_session_safety.py, run against AsyncKeystoneClient (see
tests/async_bridge.py)."""

import test_session_safety
from async_bridge import FORK, twin

twin(
    test_session_safety,
    globals(),
    skip={
        "test_a_fork_during_a_renewal_leaves_the_childs_session_usable": FORK,
        "test_a_fork_during_a_version_fetch_leaves_api_version_usable": FORK,
    },
)
