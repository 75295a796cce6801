"""The innermost handler of the chain: what sends a request and returns a response.

:mod:`.http` is the real one, over one urllib3 connection pool; :mod:`.connections` and
:mod:`.wire_response` are its urllib3/http.client parts. ``keystone.testing.MockTransport``
is the one for users' unit tests.
"""
