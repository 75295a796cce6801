"""The tests of test_parallel_pages.py, run against AsyncKeystoneClient (see
tests/async_bridge.py)."""

import test_parallel_pages
from async_bridge import EAGER_ITER, SYNC_MIDDLEWARE, twin

twin(
    test_parallel_pages,
    globals(),
    skip={
        "test_bad_workers_are_refused_before_sending": EAGER_ITER,
        "test_worker_threads_carry_the_callers_context": (
            f"{SYNC_MIDDLEWARE}; and its point is the page-reading threads, which the async "
            "client does not have (its pages are tasks, which copy the caller's context)"
        ),
    },
)
