"""The tests of test_secrets_in_messages.py, run against AsyncKeystoneClient (see
tests/async_bridge.py)."""

import test_secrets_in_messages
from async_bridge import twin

twin(
    test_secrets_in_messages,
    globals(),
    skip={
        "test_errors_pickled_with_their_causes_keep_no_secret": (
            "asserts urllib3's own words ('Read timed out') in the kept cause; the aiohttp "
            "transport's cause reads 'SocketTimeoutError: Timeout on reading data from socket'; "
            "the rest of the test, on the async client: tests/aio/test_async_client.py"
        ),
    },
)
