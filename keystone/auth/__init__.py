"""Authentication strategies: how a request gets its credentials.

One auth layer in the chain runs a strategy's flows (see :class:`AuthStrategy`), so a new
scheme is a new strategy, not a change to the client. :class:`LoginAuth` (the default) logs in
with a username and password the way the server's generation does: with :class:`JWTAuth`
(Keystone 0.3.x: tokens, kept fresh) or :class:`SessionAuth` (Keystone 0.4 and later: a Django
session with CSRF). :class:`StaticTokenAuth` sends a fixed API key, as Keystone 0.4 and later
accept.
"""

from keystone.auth._base import AuthFlow, AuthStrategy
from keystone.auth._jwt import JWTAuth
from keystone.auth._login import LoginAuth
from keystone.auth._session import SessionAuth
from keystone.auth._static import StaticTokenAuth

__all__ = ["AuthFlow", "AuthStrategy", "JWTAuth", "LoginAuth", "SessionAuth", "StaticTokenAuth"]
