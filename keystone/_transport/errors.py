"""Our exception for each urllib3 one: the method, the (redacted) URL, what happened, what next.

Whether anything was sent decides the class (``ConnectError`` and ``ConnectTimeout``: nothing
was; ``ReadTimeout`` and ``ConnectionDroppedError``: the server may have processed the
request), and a timeout that the call's deadline caused says so.
"""

from __future__ import annotations

from urllib3 import exceptions as u3

from keystone import _errors as errors
from keystone._errors import shown_url
from keystone._request import Request
from keystone._transport.connections import nothing_sent


def translate_error(exc: u3.HTTPError, request: Request) -> errors.KeystoneError | ValueError:
    """Our exception for a urllib3 one, naming the method and URL and what to do."""
    where = f"{request.method} {shown_url(request.url, request)}"
    cause = request.call.redactor.text(_root_cause(exc))
    deadline = request.call.deadline
    if deadline is not None and deadline.left() <= 0.005:
        if isinstance(exc, u3.ConnectTimeoutError):
            return errors.ConnectTimeout(
                f"{where} failed: the call's {deadline.seconds:g} s deadline passed while "
                "connecting; nothing was sent. Allow longer with retry=RetryPolicy(deadline=...).",
                request=request,
            )
        if isinstance(exc, u3.ReadTimeoutError):
            return errors.ReadTimeout(
                f"{where} failed: the call's {deadline.seconds:g} s deadline passed before the "
                "response was complete (the server answered too slowly); the server may still "
                "have processed the request. Allow longer with retry=RetryPolicy(deadline=...).",
                request=request,
            )
    if isinstance(exc, u3.NewConnectionError):
        return errors.ConnectError(
            f"{where} failed: could not connect ({cause}); nothing was sent. Check that the "
            "server is running and the URL is right.",
            request=request,
        )
    if isinstance(exc, u3.ConnectTimeoutError):
        return errors.ConnectTimeout(
            f"{where} failed: connecting timed out ({cause}); nothing was sent. Check the "
            "network path, or raise the connect timeout.",
            request=request,
        )
    if isinstance(exc, u3.ReadTimeoutError):
        return errors.ReadTimeout(
            f"{where} failed: no response within the read timeout ({cause}); the server may "
            "still have processed the request. Raise timeout= if the server is slow.",
            request=request,
        )
    if isinstance(exc, (u3.SSLError, u3.ProxyError)):
        return errors.ConnectError(
            f"{where} failed: could not establish a secure connection ({cause}); nothing was "
            "sent. Check the certificate, or pass verify= with the server's CA bundle.",
            request=request,
        )
    if nothing_sent(exc) is not None:
        return errors.ConnectError(
            f"{where} failed: the connection was reset before any byte of the request was "
            f"written ({cause}); nothing was sent. Check that the server is running.",
            request=request,
        )
    if isinstance(exc, u3.ProtocolError):
        return errors.ConnectionDroppedError(
            f"{where} failed: the connection closed before a complete response ({cause}); "
            "the server may or may not have processed the request.",
            request=request,
        )
    if isinstance(exc, u3.LocationValueError):
        return ValueError(f"{where}: the URL is not valid; give a path under the API root")
    return errors.TransportError(f"{where} failed: {cause}", request=request)


def unreadable_answer(request: Request, exc: BaseException) -> errors.ConnectionDroppedError:
    """The error for an answer whose framing cannot be read (an absurd declared size)."""
    where = f"{request.method} {shown_url(request.url, request)}"
    return errors.ConnectionDroppedError(
        f"{where} failed: the server's answer could not be "
        f"read ({type(exc).__name__}: it declared a body of an impossible size); the server "
        "may or may not have processed the request.",
        request=request,
    )


def _root_cause(exc: BaseException) -> str:
    reason: BaseException = exc
    for attr in ("reason", "original_error"):
        inner = getattr(reason, attr, None)
        if isinstance(inner, BaseException):
            reason = inner
    if isinstance(exc, u3.ProtocolError) and len(exc.args) > 1:
        inner_arg = exc.args[1]
        if isinstance(inner_arg, BaseException):
            reason = inner_arg
    text = str(reason) or type(reason).__name__
    return f"{type(reason).__name__}: {text}" if text != type(reason).__name__ else text
