"""The tests of test_throttle_gate.py, run against AsyncKeystoneClient (see
tests/async_bridge.py)."""

import test_throttle_gate
from async_bridge import NO_PICKLE, THREAD_BATCH, twin

twin(
    test_throttle_gate,
    globals(),
    skip={
        "test_a_rate_is_read_as_the_servers_settings_write_it": NO_PICKLE,
        "test_a_hold_is_not_waited_past_the_batchs_deadline": THREAD_BATCH,
        "test_retry_is_taken_wherever_a_call_is_made[batch]": THREAD_BATCH,
        "test_a_batchs_retry_is_refused_before_anything_starts": THREAD_BATCH,
        "test_a_calls_own_retry_wins_over_its_batchs": THREAD_BATCH,
        "test_a_batch_inside_a_batch_keeps_the_outer_deadline_and_policy": THREAD_BATCH,
        "test_a_hold_delays_every_thread_of_the_client": (
            f"{THREAD_BATCH}; a hold delaying the client's other tasks is in "
            "tests/aio/test_async_concurrency.py"
        ),
    },
)
