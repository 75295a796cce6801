"""Built-in middleware, one concern per module, and the contract for writing your own."""

from keystone.middleware.base_url import BaseURLMiddleware
from keystone.middleware.json_body import JSONMiddleware
from keystone.pipeline import Handler, HookMiddleware, Middleware

__all__ = ["BaseURLMiddleware", "Handler", "HookMiddleware", "JSONMiddleware", "Middleware"]
