"""The tests of test_resource_client_surface.py, run against AsyncKeystoneClient (see
tests/async_bridge.py)."""

import test_resource_client_surface
from async_bridge import twin

twin(test_resource_client_surface, globals())
