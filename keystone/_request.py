"""The request value that travels down the middleware chain, and the client's state of its call."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from keystone._headers import Headers
from keystone._query import Query
from keystone._redaction import DEFAULT_REDACTOR, Redactor
from keystone._timeouts import DEFAULT_TIMEOUT, CallDeadline, TimeoutLike

if TYPE_CHECKING:
    from keystone._retry_policy import RetryPolicy

#: Query parameters: a mapping whose values may be scalars or sequences (sent comma-joined, see
#: keystone._query), or a query the client encoded already.
Params = Mapping[str, Any] | Query

#: A resource method's filters: field lookups to values (see keystone._query for the forms).
Filters = Mapping[str, Any]

#: ``context`` values kept when a request is pickled (anything else may not pickle).
_PLAIN = (str, int, float, bool, type(None))


class CallState:
    """What the client itself knows about one call, typed, in one place (``request.call``).

    Set when the call is made:

    - ``kind``: ``"api"`` for a call of yours; ``"login"``, ``"refresh"`` or ``"logout"`` for the
      requests the client makes to manage its session; ``"probe"`` for the requests with
      which it finds out which release of Keystone it talks to.
    - ``idempotent``: ``True``/``False`` overrides the method's rule for retries (a token
      refresh is a POST that is safe to repeat); ``None`` follows the method.
    - ``retry``: this call's :class:`~keystone.RetryPolicy`, or ``None`` for the client's.
    - ``resource``, ``operation``: which resource method made the call (``"cluster"``,
      ``"retrieve"``), if one did.
    - ``raise_for_status``: whether a final 4xx/5xx answer is raised as an ``HTTPError``
      (resource methods that read a 404 as "absent" turn it off).
    - ``throttled``: for a call whose answer can mean "refused for now, nothing done" without
      being a 429 (an atomic job whose step was throttled answers 422): a function of the
      answer's status and body giving the seconds to wait when it means that (0 when it does
      not say), else ``None``. The backoff layer then treats that answer as a 429.
    - ``cost``: how many of the server's throttled requests the call counts for (an atomic
      job of *n* steps: *n* + 1), for the client's ``rate_limit``.

    Filled in on the way, read by the layers that need it:

    - ``attempt``: the number of the attempt being sent; once the call is over, how many were.
    - ``elapsed``: seconds the call took, waits included, once it needed a retry.
    - ``deadline``: when the call must be over (see :class:`~keystone._timeouts.CallDeadline`).
    - ``retry_note``: why the last answer was not sent again, for the error's message.
    - ``request_id``: the id the call log gives the call's records.
    - ``wire_sends``: how many times the call went on the wire (the wire log numbers them).
    - ``credentials_attached``: whether the auth layer put the credentials now on the request
      (as opposed to the caller, whose own ``Authorization`` header is left alone).
    - ``redactor``: how messages and logs about the call hide secrets (the client's, with its
      ``redact_fields``).
    - ``throttle_waited``: seconds the call's requests waited for the throttle, in all.

    Defaults live on the class, so a call pays only for what differs from them.
    """

    kind: str = "api"
    idempotent: bool | None = None
    retry: RetryPolicy | None = None
    resource: str | None = None
    operation: str | None = None
    raise_for_status: bool = True
    attempt: int = 1
    elapsed: float | None = None
    deadline: CallDeadline | None = None
    retry_note: str = ""
    request_id: str | None = None
    wire_sends: int = 0
    credentials_attached: bool = False
    redactor: Redactor = DEFAULT_REDACTOR
    throttled: Callable[[int, bytes], float | None] | None = None
    cost: int = 1
    throttle_waited: float = 0.0

    def __init__(
        self,
        kind: str = "api",
        *,
        idempotent: bool | None = None,
        retry: RetryPolicy | None = None,
        resource: str | None = None,
        operation: str | None = None,
        raise_for_status: bool = True,
        deadline: CallDeadline | None = None,
    ) -> None:
        if kind != "api":
            self.kind = kind
        if idempotent is not None:
            self.idempotent = idempotent
        if retry is not None:
            self.retry = retry
        if resource is not None:
            self.resource = resource
        if operation is not None:
            self.operation = operation
        if not raise_for_status:
            self.raise_for_status = False
        if deadline is not None:
            self.deadline = deadline

    def copy(self) -> CallState:
        """An independent copy (every field is a plain value)."""
        clone = CallState.__new__(CallState)
        clone.__dict__.update(self.__dict__)
        return clone

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={value!r}" for name, value in sorted(vars(self).items()))
        return f"CallState({fields})"


class Request:
    """One HTTP request as middleware sees it.

    ``url`` starts as the endpoint the caller gave and is made absolute by the base-URL
    layer. ``headers`` is a case-insensitive :class:`~keystone.Headers`. ``json`` is encoded into
    ``body`` by the JSON layer, so inner layers (retry, auth replay) resend the same bytes.
    ``timeout`` is a urllib3 ``Timeout`` (checked and converted when the call was made) or
    :data:`~keystone.DEFAULT_TIMEOUT`. ``call`` is the client's own :class:`CallState` of the
    call; ``context`` is a free-form dict for your middleware to leave notes in.

    Its ``repr`` and its pickled form never hold a credential: secret headers, query parameters
    and body fields are replaced with ``***`` (see :meth:`redacted`).
    """

    __slots__ = (
        "body",
        "call",
        "context",
        "headers",
        "json",
        "method",
        "params",
        "timeout",
        "url",
    )

    def __init__(
        self,
        method: str,
        url: str,
        *,
        headers: Headers | Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
        params: Params | None = None,
        json: Any = None,
        body: bytes | None = None,
        timeout: TimeoutLike = DEFAULT_TIMEOUT,
        context: dict[str, Any] | None = None,
        call: CallState | None = None,
    ) -> None:
        self.method = method
        self.url = url
        self.headers: Headers = headers if isinstance(headers, Headers) else Headers(headers)
        self.params = params
        self.json = json
        self.body = body
        self.timeout = timeout
        self.context: dict[str, Any] = context if context is not None else {}
        self.call: CallState = call if call is not None else CallState()

    def copy(self) -> Request:
        """A shallow copy with its own headers, context and call state, for rewriting."""
        return Request(
            self.method,
            self.url,
            headers=self.headers.copy(),
            params=self.params,
            json=self.json,
            body=self.body,
            timeout=self.timeout,
            context=dict(self.context),
            call=self.call.copy(),
        )

    def redacted(self, redactor: Redactor | None = None) -> Request:
        """A copy safe to keep, show or pickle: no credential in headers, URL or body.

        Secret headers keep their scheme (``Bearer ***``); secret query parameters and JSON
        fields become ``***``. The encoded ``body`` is left out (the redacted ``json`` stays),
        and only plain values of ``context`` are kept. ``redactor`` defaults to the call's.
        """
        redactor = redactor or self.call.redactor
        return Request(
            self.method,
            redactor.url(self.url),
            headers=[(name, redactor.header(name, value)) for name, value in self.headers.items()],
            params=_redacted_params(self.params, redactor),
            json=None if self.json is None else redactor.value(self.json),
            timeout=self.timeout,
            context={k: v for k, v in self.context.items() if isinstance(v, _PLAIN)},
            call=self.call.copy(),
        )

    def __reduce__(self) -> tuple[Any, ...]:
        safe = self.redacted()
        return (
            _rebuild,
            (safe.method, safe.url, list(safe.headers.items()), safe.params, safe.json),
            {"timeout": safe.timeout, "context": safe.context, "call": safe.call},
        )

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            setattr(self, name, value)

    def __repr__(self) -> str:
        return f"<Request [{self.method} {self.call.redactor.url(self.url)}]>"


def finish(
    request: Request,
    headers: Iterable[tuple[str, str]],
    timeout: TimeoutLike,
    redactor: Redactor,
    deadline: CallDeadline | None,
    retry: RetryPolicy | None,
) -> Request:
    """Complete a request the client did not build itself (one an auth flow yields) as one it
    built: ``headers`` it does not set, the ``timeout``, and the call's redactor, deadline and
    retry policy (``None``: the one it has)."""
    for name, value in headers:
        request.headers.setdefault(name, value)
    request.timeout = timeout
    state = request.call
    state.redactor = redactor
    state.deadline = deadline
    if retry is not None:
        state.retry = retry
    return request


def _redacted_params(params: Params | None, redactor: Redactor) -> Params | None:
    if params is None:
        return None
    if isinstance(params, Query):
        return Query(redactor.url(f"?{params}")[1:])
    return dict(redactor.value(dict(params)))


def _rebuild(
    method: str, url: str, headers: list[tuple[str, str]], params: Any, json: Any
) -> Request:
    return Request(method, url, headers=headers, params=params, json=json)
