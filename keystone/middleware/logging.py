"""An old import path of the call log (now ``keystone._chain.call_log``), kept for old code.

The module's name shadowed the standard library's ``logging`` for anyone reading the package;
new code has no need to import the call log at all (the client always includes it).
"""

from keystone._chain.call_log import LOGGER_NAME, LoggingMiddleware
from keystone._log_fields import log_fields

__all__ = ["LOGGER_NAME", "LoggingMiddleware", "log_fields"]
