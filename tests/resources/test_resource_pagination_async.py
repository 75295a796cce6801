"""The tests of test_resource_pagination.py, run against AsyncKeystoneClient (see
tests/async_bridge.py)."""

import test_resource_pagination
from async_bridge import EAGER_ITER, twin

twin(test_resource_pagination, globals(), skip={"test_iter_sends_the_page_size": EAGER_ITER})
