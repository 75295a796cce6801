"""The tests of test_session_sharing.py, run against AsyncKeystoneClient (see
tests/async_bridge.py)."""

import test_session_sharing
from async_bridge import FORK, NO_PICKLE, twin

twin(
    test_session_sharing,
    globals(),
    skip={
        "test_a_forked_child_keeps_the_session": FORK,
        "test_a_pickled_client_takes_the_session_to_another_process": NO_PICKLE,
        "test_a_copy_shares_the_servers_session_but_not_the_cookie_store": NO_PICKLE,
    },
)
