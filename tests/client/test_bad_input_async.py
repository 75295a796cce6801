"""The tests of test_bad_input.py, run against AsyncKeystoneClient (see tests/async_bridge.py)."""

import test_bad_input
from async_bridge import NO_PICKLE, SYNC_MIDDLEWARE, THREAD_BATCH, twin

BATCH_ARGUMENTS = (
    f"{THREAD_BATCH}; the async batch refuses the same arguments (tests/aio/"
    "test_async_concurrency.py)"
)

twin(
    test_bad_input,
    globals(),
    skip={
        "test_bad_call_arguments_are_refused_before_sending[<lambda>-ValueError-workers='8']": (
            BATCH_ARGUMENTS
        ),
        "test_bad_call_arguments_are_refused_before_sending[<lambda>-ValueError-deadline='5']": (
            BATCH_ARGUMENTS
        ),
        "test_bad_call_arguments_are_refused_before_sending[<lambda>-ValueError-deadline=inf]": (
            BATCH_ARGUMENTS
        ),
        "test_a_copied_or_pickled_client_has_its_own_strategy": NO_PICKLE,
        "test_nothing_is_sent_once_the_deadline_has_passed": (
            f"{SYNC_MIDDLEWARE} (a per_attempt one that sleeps 1.2 s to pass the deadline)"
        ),
    },
)
