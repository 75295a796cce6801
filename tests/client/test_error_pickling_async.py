"""The tests of test_error_pickling.py, run against AsyncKeystoneClient (see
tests/async_bridge.py): the errors the async client raises pickle as the sync client's do."""

import test_error_pickling
from async_bridge import twin

POOL = (
    "calls the client in a process pool's workers, which pickles the client; an "
    "AsyncKeystoneClient does not pickle (the errors it raises do: the other tests here)"
)

twin(
    test_error_pickling,
    globals(),
    skip={
        "test_a_404_in_a_process_pool_worker_comes_back_and_the_pool_lives_on": POOL,
        "test_a_404_in_a_multiprocessing_pool_comes_back": POOL,
    },
)
