"""The tests of test_resource_filters.py, run against AsyncKeystoneClient (see
tests/async_bridge.py)."""

import test_resource_filters
from async_bridge import EAGER_ITER, twin

twin(
    test_resource_filters,
    globals(),
    skip={
        "test_a_filter_name_the_server_does_not_know_is_refused_before_sending": EAGER_ITER,
        "test_search_and_order_on_keystone_0_3_are_refused_with_what_to_do_instead": EAGER_ITER,
        "test_unencodable_filters_are_refused_before_any_request": EAGER_ITER,
    },
)
