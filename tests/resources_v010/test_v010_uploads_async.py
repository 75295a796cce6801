"""The tests of test_v010_uploads.py, run against AsyncKeystoneClient (see
tests/async_bridge.py)."""

import test_v010_uploads
from async_bridge import twin

twin(test_v010_uploads, globals())
