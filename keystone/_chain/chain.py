"""The chain, listed in one function in the order a request runs through it.

Each layer is one concern (see each module): your middleware, the call log, the base URL, JSON
and errors, retries, your per-attempt middleware, credentials, the throttle, the wire log;
then the transport. Read :func:`chain_layers` top to bottom to follow a request down, and
bottom to top to follow its answer back.
"""

from __future__ import annotations

from collections.abc import Sequence

from keystone._chain.auth import AuthMiddleware
from keystone._chain.backoff import BackoffMiddleware
from keystone._chain.base_url import BaseURLMiddleware
from keystone._chain.call_log import LoggingMiddleware
from keystone._chain.json import JSONMiddleware
from keystone._chain.placement import MiddlewareItem, split_placement
from keystone._chain.throttle import ThrottleMiddleware
from keystone._chain.wire_log import WireLogMiddleware
from keystone._clock import Clock
from keystone._pipeline import Middleware
from keystone._redaction import Redactor
from keystone._throttle import Throttle
from keystone._urls import BaseURL
from keystone.auth._base import AuthStrategy


def chain_layers(
    middleware: Sequence[MiddlewareItem],
    *,
    base_url: BaseURL,
    redactor: Redactor,
    backoff: BackoffMiddleware,
    auth: AuthStrategy,
    throttle: Throttle,
    clock: Clock,
) -> list[Middleware]:
    """The layers of a client's chain, outermost first; the transport follows the last."""
    outer, per_attempt = split_placement(middleware)
    return [
        *outer,  # your middleware: each call once, as you made it
        LoggingMiddleware(redactor=redactor),  # the call log (keystone.http, INFO)
        BaseURLMiddleware(base_url),  # endpoint -> absolute URL, query in the URL
        JSONMiddleware(),  # data -> JSON bytes once; a final 4xx/5xx -> typed error
        backoff,  # retries what is safe, within the call's deadline
        *per_attempt,  # your per_attempt(...) middleware: every attempt
        AuthMiddleware(auth, base_url),  # credentials, renewal, one replay
        # each request waits its turn: the holds the server's 429s set, rate_limit=
        ThrottleMiddleware(throttle, backoff, clock, base_url),
        WireLogMiddleware(redactor=redactor),  # each exchange (keystone.wire, DEBUG)
    ]
