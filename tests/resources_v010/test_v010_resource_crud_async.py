"""The tests of test_v010_resource_crud.py, run against AsyncKeystoneClient (see
tests/async_bridge.py)."""

import test_v010_resource_crud
from async_bridge import EAGER_ITER, twin

twin(
    test_v010_resource_crud,
    globals(),
    skip={
        "test_what_only_keystone_0_3_has_is_refused_before_sending": EAGER_ITER,
        "test_an_unknown_filter_name_is_refused_with_the_nearest_one": EAGER_ITER,
    },
)
