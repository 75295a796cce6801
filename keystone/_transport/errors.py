"""Our exception for each urllib3 one: the method, the (redacted) URL, what happened, what next.

Whether anything was sent decides the class (``ConnectError`` and ``ConnectTimeout``: nothing
was; ``ReadTimeout`` and ``ConnectionDroppedError``: the server may have processed the
request), and a timeout that the call's deadline caused says so.
"""

from __future__ import annotations

import re
import ssl

from urllib3 import exceptions as u3

from keystone import _errors as errors
from keystone._errors import shown_url
from keystone._redaction import Redactor
from keystone._request import Request
from keystone._transport.connections import nothing_sent
from keystone._transport.network import Proxy

#: What http.client says when a proxy answers a ``CONNECT`` with another status than 200.
_TUNNEL_REFUSED = re.compile(r"Tunnel connection failed: (\d{3})\s*([^'\"]*)")

#: The proxy's status in a cause: http.client's, aiohttp's or this package's words for it.
_PROXY_STATUS = re.compile(
    r"(?:Tunnel connection failed: |ClientHttpProxyError: |the proxy answered )(\d{3})\b"
)


def transport_failure(
    what: str, request: Request, cause: str = "", proxy: Proxy | None = None
) -> errors.KeystoneError | ValueError:
    """The client's error for a failure of the exchange of ``request``, whichever transport
    saw it: ``what`` is the kind of failure the transport made out (``"connect"``,
    ``"connect_timeout"``, ``"read_timeout"``, ``"deadline_connect"``, ``"deadline_read"``,
    ``"proxy"``, ``"proxy_timeout"``, ``"proxy_refused"``, ``"reset_before_sent"``,
    ``"dropped"``, ``"tls"``, ``"bad_url"``, or ``"other"``), ``cause`` its redacted
    description, ``proxy`` the proxy the request went through, if any (named without its
    password). A failure to reach the proxy, or its refusal, is a :class:`ConnectError`: the
    server never saw the request. The class says whether the request may
    have reached the server; the message names the method and URL, what happened and what
    to do. The urllib3 transport (:func:`translate_error`) and the aiohttp one
    (``keystone._transport.aio``) only tell the kind."""
    where = f"{request.method} {shown_url(request.url, request)}"
    deadline = request.call.deadline
    seconds = f"{deadline.seconds:g}" if deadline is not None else "?"
    if what == "deadline_connect":
        return errors.ConnectTimeout(
            f"{where} failed: the call's {seconds} s deadline passed while "
            "connecting; nothing was sent. Allow longer with retry=RetryPolicy(deadline=...).",
            request=request,
        )
    if what == "deadline_read":
        return errors.ReadTimeout(
            f"{where} failed: the call's {seconds} s deadline passed before the "
            "response was complete (the server answered too slowly); the server may still "
            "have processed the request. Allow longer with retry=RetryPolicy(deadline=...).",
            request=request,
        )
    if what == "connect":
        return errors.ConnectError(
            f"{where} failed: could not connect ({cause}); nothing was sent. Check that the "
            "server is running and the URL is right.",
            request=request,
        )
    if what == "connect_timeout":
        return errors.ConnectTimeout(
            f"{where} failed: connecting timed out ({cause}); nothing was sent. Check the "
            "network path, or raise the connect timeout.",
            request=request,
        )
    if what == "read_timeout":
        return errors.ReadTimeout(
            f"{where} failed: no response within the read timeout ({cause}); the server may "
            "still have processed the request. Raise timeout= if the server is slow.",
            request=request,
        )
    if what == "tls":
        return _tls_failure(where, cause, request)
    if what.startswith("proxy"):
        return _proxy_failure(what, where, cause, proxy, request)
    if what == "reset_before_sent":
        return errors.ConnectError(
            f"{where} failed: the connection was reset before any byte of the request was "
            f"written ({cause}); nothing was sent. Check that the server is running.",
            request=request,
        )
    if what == "dropped":
        return errors.ConnectionDroppedError(
            f"{where} failed: the connection closed before a complete response ({cause}); "
            "the server may or may not have processed the request.",
            request=request,
        )
    if what == "bad_url":
        return ValueError(f"{where}: the URL is not valid; give a path under the API root")
    return errors.TransportError(f"{where} failed: {cause}", request=request)


def translate_error(
    exc: u3.HTTPError, request: Request, proxy: Proxy | None = None
) -> errors.KeystoneError | ValueError:
    """Our exception for a urllib3 one (see :func:`transport_failure`); ``proxy`` is the proxy
    the request went through, if any."""
    cause = request.call.redactor.text(_root_cause(exc))
    if proxy is not None:
        cause = proxy.scrub(cause)
        if isinstance(exc, u3.ProxyError):
            return transport_failure(proxy_kind(exc), request, cause, proxy)
    deadline = request.call.deadline
    if deadline is not None and deadline.left() <= 0.005:
        if isinstance(exc, u3.ConnectTimeoutError):
            return transport_failure("deadline_connect", request)
        if isinstance(exc, u3.ReadTimeoutError):
            return transport_failure("deadline_read", request)
    if isinstance(exc, u3.NewConnectionError):
        what = "connect"
    elif isinstance(exc, u3.ConnectTimeoutError):
        what = "connect_timeout"
    elif isinstance(exc, u3.ReadTimeoutError):
        what = "read_timeout"
    elif isinstance(exc, u3.SSLError):
        what = "tls"
    elif isinstance(exc, u3.ProxyError):
        what = "proxy"
    elif nothing_sent(exc) is not None:
        what = "reset_before_sent"
    elif isinstance(exc, u3.ProtocolError):
        what = "dropped"
    elif isinstance(exc, u3.LocationValueError):
        what = "bad_url"
    else:
        what = "other"
    return transport_failure(what, request, cause)


#: What OpenSSL says when the other end answers a handshake in something else than TLS.
_NOT_TLS = (
    "wrong_version_number",
    "wrong version number",
    "packet length too long",
    "record layer failure",
    "unknown protocol",
    "http request",
)
#: What it says when the server refuses the handshake for good: no protocol version or
#: cipher in common, or a client certificate it requires or does not accept.
_REFUSED = (
    "protocol version",
    "unsupported protocol",
    "no protocols available",
    "handshake failure",
    "certificate required",
    "alert unknown ca",
    "alert bad certificate",
    "alert certificate unknown",
    "no shared cipher",
)
#: What it says of a certificate the client does not accept.
_CERTIFICATE = (
    "certificate_verify_failed",
    "certificate verify failed",
    "hostname mismatch",
    "doesn't match",
    "not valid for",
)


def _tls_failure(where: str, cause: str, request: Request) -> errors.ConnectError:
    """The error of a failed TLS handshake: permanent (:class:`TLSError`) when the port does
    not speak TLS or the certificate is refused, else a :class:`ConnectError` worth retrying
    (a connection reset or cut during the handshake)."""
    said = cause.lower()
    if any(sign in said for sign in _NOT_TLS):
        return errors.TLSError(
            f"{where} failed: the server does not speak TLS (HTTPS) there ({cause}): it "
            "answered the handshake in plain HTTP or another protocol. Nothing was sent. Use "
            "http:// if that port serves plain HTTP, or the port where the server serves HTTPS.",
            request=request,
        )
    if any(sign in said for sign in _CERTIFICATE):
        return errors.TLSError(
            f"{where} failed: the server's certificate was not accepted ({cause}); nothing was "
            "sent. Check the certificate (and that the URL's host name is one it names), or "
            "pass verify= with the CA bundle that signed it.",
            request=request,
        )
    if any(sign in said for sign in _REFUSED):
        return errors.TLSError(
            f"{where} failed: the server refused the secure connection ({cause}); nothing was "
            "sent. It wants another TLS version or cipher, or a client certificate this client "
            "did not give (or one it does not accept): ask the server's administrators what "
            "it requires.",
            request=request,
        )
    return errors.ConnectError(
        f"{where} failed: could not establish a secure connection ({cause}); nothing was "
        "sent. Check that the server serves HTTPS at that address.",
        request=request,
    )


def proxy_kind(exc: BaseException) -> str:
    """``"proxy_refused"``, ``"proxy_timeout"`` or ``"proxy"`` for a failure to go through a
    proxy, from what the lower layer said."""
    text = f"{exc} {getattr(exc, 'original_error', '')} {exc.__cause__ or ''}"
    if _TUNNEL_REFUSED.search(text) or "the proxy answered 407" in text:
        return "proxy_refused"
    inner = getattr(exc, "original_error", None) or exc.__cause__
    if isinstance(inner, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in text:
        return "proxy_tls"  # an https:// proxy whose certificate is not trusted
    # urllib3's NewConnectionError (refused, no such host) is a ConnectTimeoutError too.
    if isinstance(inner, TimeoutError) and not isinstance(inner, u3.NewConnectionError):
        return "proxy_timeout"
    return "proxy"


def _proxy_failure(
    what: str, where: str, cause: str, proxy: Proxy | None, request: Request
) -> errors.ConnectError:
    """The error of a request that did not get through its proxy: nothing reached the server."""
    named = f"the proxy {proxy.shown}" if proxy is not None else "the proxy"
    setting = "proxy=" if proxy is None or proxy.source == "proxy=" else proxy.source
    status = _PROXY_STATUS.search(cause)
    code = status.group(1) if status else ""
    if what == "proxy_refused" and code in ("502", "503", "504"):
        return errors.ConnectError(  # retried: an outage, between the proxy and the server
            f"{where} failed: {named} could not reach the server ({cause}); nothing reached "
            "the server. The server may be down, or not reachable from the proxy.",
            request=request,
        )
    if what == "proxy_refused":
        if code == "407":
            advice = (
                f"It wants credentials, or refused the ones given: put the right user name and "
                f"password in the proxy URL ({setting}, e.g. http://user:password@host:port)."
            )
        else:
            advice = "Ask its administrators whether it lets this client reach that server."
        return errors.ProxyError(
            f"{where} failed: {named} refused to forward the request ({cause}); nothing "
            f"reached the server. {advice}",
            request=request,
        )
    if what == "proxy_tls":
        return errors.TLSError(  # not retried: it fails the same way until the CAs change
            f"{where} failed: the certificate of {named} was not accepted ({cause}); nothing "
            "was sent. The proxy's certificate is verified with the CAs of verify=, as the "
            "server's is: give a CA bundle that holds the proxy's CA too.",
            request=request,
        )
    if what == "proxy_timeout":
        return errors.ConnectTimeout(
            f"{where} failed: {named} did not answer in time ({cause}); nothing was sent. "
            f"Check the proxy's address and that it is running ({setting}), or raise the "
            "connect timeout.",
            request=request,
        )
    without = (
        "leave proxy= out"
        if setting == "proxy="
        else "add the host to NO_PROXY, or make the client with trust_env=False"
    )
    return errors.ConnectError(
        f"{where} failed: could not connect through {named} ({cause}); nothing was sent. "
        f"Check the proxy's address and that it is running ({setting}); to go directly, "
        f"{without}.",
        request=request,
    )


def shown_cause(
    exc: BaseException, redactor: Redactor, proxy: Proxy | None = None
) -> errors.LowerLevelError:
    """``exc`` as the cause an error of ours keeps: its type and redacted text (the proxy's
    password hidden too), its traceback."""
    kind = type(exc)
    text = redactor.text(str(exc))
    if proxy is not None:
        text = proxy.scrub(text)
    cause = errors.LowerLevelError(f"{kind.__module__}.{kind.__qualname__}: {text}")
    return cause.with_traceback(exc.__traceback__)


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
