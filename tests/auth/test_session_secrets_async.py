"""The tests of test_session_secrets.py, run against AsyncKeystoneClient (see
tests/async_bridge.py)."""

import test_session_secrets
from async_bridge import NO_PICKLE, twin

twin(
    test_session_secrets,
    globals(),
    skip={
        "test_no_secret_anywhere": (
            f"ends by looking for the password in pickle.dumps(client): it {NO_PICKLE}; the "
            "same search over the async client's logs, reprs and errors is in "
            "tests/aio/test_async_client.py"
        )
    },
)
