"""The tests of test_resource_permissions.py, run against AsyncKeystoneClient (see
tests/async_bridge.py)."""

import test_resource_permissions
from async_bridge import twin

twin(test_resource_permissions, globals())
