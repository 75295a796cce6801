"""The tests of test_resource_crud.py, run against AsyncKeystoneClient (see
tests/async_bridge.py)."""

import test_resource_crud
from async_bridge import twin

twin(test_resource_crud, globals())
