"""The tests of test_stale_connections.py, run against AsyncKeystoneClient (see
tests/async_bridge.py)."""

import test_stale_connections
from async_bridge import twin

#: The race these tests make is urllib3's: the copy would not meet it.
URLLIB3_RACE = (
    "makes the race by turning off urllib3's is_connection_dropped; the aiohttp transport "
    "checks a pooled connection with its own code (aio.py's _Connector), which stays on, so the "
    "copy would {}"
)

twin(
    test_stale_connections,
    globals(),
    skip={
        "test_a_reset_met_on_the_first_write_is_resent_without_counting": URLLIB3_RACE.format(
            "pass without meeting the race"
        ),
        "test_bytes_written_to_a_closed_connection_are_not_resent_for_post": URLLIB3_RACE.format(
            "find the connection closed and send the POST on a new one (which it does)"
        ),
        "test_bytes_written_to_a_closed_connection_are_a_counted_retry_for_get": (
            URLLIB3_RACE.format("find the connection closed and send the GET on a new one")
        ),
        "test_a_fresh_connection_refusing_the_first_byte_is_a_connect_error": (
            "translates a urllib3 ProtocolError with the sync transport's translate_error; no "
            "client is involved"
        ),
    },
)
