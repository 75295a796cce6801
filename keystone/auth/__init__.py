"""Authentication strategies: how a request gets its credentials.

One auth layer in the chain runs a strategy's flows (see :class:`AuthStrategy`), so a new
scheme is a new strategy, not a change to the client. :class:`JWTAuth` (the default) logs in
with a username and password and keeps its tokens fresh (Keystone 0.3.x); :class:`SessionAuth`
logs in to a Django session with CSRF (Keystone 0.4 and later); :class:`StaticTokenAuth` sends a
fixed API key, as newer Keystone servers accept.
"""

from keystone.auth._base import AuthFlow, AuthStrategy
from keystone.auth._jwt import JWTAuth
from keystone.auth._session import SessionAuth
from keystone.auth._static import StaticTokenAuth

__all__ = ["AuthFlow", "AuthStrategy", "JWTAuth", "SessionAuth", "StaticTokenAuth"]
