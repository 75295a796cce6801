"""What both transports do the same way: the TLS options ``verify=`` asks for, the request
targets sent as they are, header values unfolded, the error of a request whose deadline
passed before it could be sent, and the response made of an answer."""

from __future__ import annotations

import datetime
import os
import re
import time
import warnings
from typing import Any

from urllib3 import HTTPHeaderDict

from keystone._errors import DeadlineExceededError, shown_url
from keystone._request import Request
from keystone._response import Response
from keystone._timeouts import CallDeadline

#: A status, reason, headers and body: all a transport keeps of an answer.
Answer = tuple[int, str | None, HTTPHeaderDict, bytes]

#: A request target urllib3 would send unchanged (no character to percent-encode, no ``%`` to
#: normalize, no fragment): most are; the others go through urllib3's ``_encode_target``.
PLAIN_TARGET = re.compile(
    r"/[A-Za-z0-9\-._~!$&'()*+,;=:@/]*(?:\?[A-Za-z0-9\-._~!$&'()*+,;=:@/?]*)?\Z"
)

#: urllib3's obsolete line folding (``\r\n`` and whitespace inside a header value).
_OBSOLETE_FOLD = re.compile(r"(?:(?<![ \t])[ \t]+)?\r\n[ \t]+")


class InsecureConnectionWarning(UserWarning):
    """TLS certificate verification was turned off for a client."""


def check_pool_maxsize(pool_maxsize: object) -> None:
    """Refuse a ``pool_maxsize=`` that is no positive whole number, naming it."""
    if isinstance(pool_maxsize, bool) or not isinstance(pool_maxsize, int) or pool_maxsize < 1:
        raise ValueError(
            f"pool_maxsize={pool_maxsize!r} must be a positive whole number of connections"
        )


def tls_options(verify: bool | str) -> dict[str, Any]:
    """urllib3's TLS options for ``verify`` (checked, naming the bad value; ``False`` warns)."""
    if verify is True:
        return {"cert_reqs": "CERT_REQUIRED"}
    if verify is False:
        warnings.warn(
            "TLS certificate verification is off for this Keystone client: anyone on the "
            "network path can read or alter its traffic, tokens included. Pass verify=True "
            "or the path of a CA bundle instead.",
            InsecureConnectionWarning,
            stacklevel=5,  # the client's maker: its __init__, _own_transport, the transport
        )
        return {"cert_reqs": "CERT_NONE"}
    if isinstance(verify, (str, os.PathLike)):
        path = os.fspath(verify)
        if os.path.isdir(path):
            return {"cert_reqs": "CERT_REQUIRED", "ca_cert_dir": path}
        if os.path.isfile(path):
            return {"cert_reqs": "CERT_REQUIRED", "ca_certs": path}
        raise ValueError(
            f"verify={verify!r} is neither a CA bundle file nor a directory of certificates; "
            "give an existing path, True (system CAs) or False (no verification)"
        )
    raise TypeError(f"verify must be True, False or a CA bundle path, not {verify!r}")


def not_sent(request: Request, deadline: CallDeadline) -> DeadlineExceededError:
    """The error for a request whose deadline passed before it could be sent (a slow renewal,
    a slow middleware before it): it is not sent at all."""
    return DeadlineExceededError(
        f"{request.method} {shown_url(request.url, request)} was not sent: the call's "
        f"{deadline.seconds:g} s deadline passed before it could be; nothing was sent. "
        "Allow longer with retry=RetryPolicy(deadline=...).",
        request=request,
    )


def unfolded(value: str) -> str:
    """A header value with obsolete line folding replaced by a space, as urllib3 does."""
    return value if "\r\n" not in value else _OBSOLETE_FOLD.sub(" ", value)


def answered(request: Request, outcome: Answer | Exception, started: float) -> Response:
    """The response of ``request`` from the ``outcome`` of its exchange (which began at
    ``started``, on ``time.perf_counter``); an error is raised here, out of the transport's
    handler, so the library's own exception (whose text may carry the URL's secret
    parameters) is not its ``__context__``, which would travel with it."""
    if isinstance(outcome, Exception):
        raise outcome
    status, reason, headers, content = outcome
    return Response(
        status,
        content=content,
        headers=headers,
        url=request.url,
        reason=reason,
        request=request,
        elapsed=datetime.timedelta(seconds=time.perf_counter() - started),
    )
