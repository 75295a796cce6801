"""The tests of test_throttled_work.py, run against AsyncKeystoneClient (see
tests/async_bridge.py)."""

import test_throttled_work
from async_bridge import THREAD_BATCH, twin

twin(
    test_throttled_work,
    globals(),
    skip={
        "test_a_thread_batch_of_creates_finishes_each_once": THREAD_BATCH,
        "test_a_process_batch_finishes_every_item": (
            "runs client.batch on a ProcessPoolExecutor with client.bind, which pickles the "
            "client; the async batch has no executor= and the async client does not pickle"
        ),
        "test_a_batch_deadline_that_cannot_be_met_sends_nothing_twice": THREAD_BATCH,
    },
)
