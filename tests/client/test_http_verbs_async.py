"""The tests of test_http_verbs.py, run against AsyncKeystoneClient (see
tests/async_bridge.py)."""

import test_http_verbs
from async_bridge import twin

twin(
    test_http_verbs,
    globals(),
    skip={
        "test_repr_shows_url_and_authentication_state": (
            "asserts the repr reads <KeystoneClient ...>; the async client's reads "
            "<AsyncKeystoneClient ...> with the same fields"
        ),
        "test_verify_options": (
            "asserts the insecure-TLS warning points at the test's own line; through the bridge "
            "the line that makes the async client is the bridge's (tests/aio/"
            "test_aiohttp_transport.py checks that the async client's warning points there)"
        ),
    },
)
