"""The tests of test_v010_atomic_jobs.py, run against AsyncKeystoneClient (see
tests/async_bridge.py)."""

import test_v010_atomic_jobs
from async_bridge import SYNC_MIDDLEWARE, twin

twin(
    test_v010_atomic_jobs,
    globals(),
    skip={
        "test_a_part_that_fails_leaves_the_parts_before_it_and_run_again_sends_only_the_rest": (
            f"{SYNC_MIDDLEWARE}; a failing part of a split job on the async client is in "
            "tests/aio/test_async_client.py"
        ),
    },
)
