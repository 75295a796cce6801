"""Authentication strategies: how a request gets its credentials.

One :class:`~keystone.middleware.auth.AuthMiddleware` in the chain delegates to a strategy, so
a new scheme is a new strategy, not a change to the client. :class:`JWTAuth` (the default) logs
in with a username and password and keeps its tokens fresh; :class:`StaticTokenAuth` sends a
fixed API key, as newer Keystone servers accept.
"""

from keystone.auth.base import AuthStrategy
from keystone.auth.jwt import JWTAuth
from keystone.auth.static import StaticTokenAuth

__all__ = ["AuthStrategy", "JWTAuth", "StaticTokenAuth"]
