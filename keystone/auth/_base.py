"""The contract of an authentication strategy: flows of requests and answers, as generators.

A strategy never sends anything itself. It describes what to send as a *flow*, a generator
that yields requests and receives each one's answer (the shape of httpx's ``Auth.auth_flow``):

- :meth:`AuthStrategy.auth_flow` runs for every request to the client's own origin, in the
  chain's auth layer. It puts the credentials on the request and yields it; it reads the answer
  (a ``Set-Cookie``, a 401); it may yield a renewal request first, and the request once more
  after a 401. Requests it yields go to the transport directly (below the retries), so a
  renewal made while holding a lock costs one exchange, never a minute of backoff (but it
  waits its turn for the client's throttle, as every request does).
- :meth:`AuthStrategy.login_flow` and :meth:`AuthStrategy.logout_flow` run when the client's
  ``login()`` and ``logout()`` are called; their requests go through the whole chain, user
  middleware included, like any call.

A request that fails on its way is raised inside the flow, at the ``yield`` that sent it, so
the flow can turn it into the error that explains it (a ``TokenRefreshError``, a
``SessionExpiredError``) or let it through.
"""

from __future__ import annotations

from collections.abc import Callable, Generator

from keystone._clock import SYSTEM_CLOCK, Clock
from keystone._errors import shown_url
from keystone._request import Request
from keystone._response import Response
from keystone._servers import Server

#: A flow: yields the requests to send, is sent each one's response, returns nothing.
AuthFlow = Generator[Request, Response, None]


class AuthStrategy:
    """How requests get their credentials. Override the flows your scheme needs.

    ``clock`` is the time the strategy judges expiry by; the client gives it its own (a test's
    fake clock makes an hour of renewals instant).
    """

    clock: Clock = SYSTEM_CLOCK

    def bind(self, api_root: str) -> None:
        """Called by the client that will use this strategy, with its API root.

        Strategies that hold a session refuse a second client of another server, whose
        requests would otherwise carry the first one's credentials.
        """

    def use_server(self, server: Server) -> None:
        """Called by the client once it knows which Keystone it talks to (``server``).

        A strategy that speaks one generation only refuses the other here, with a message
        saying what to use instead; one that speaks both picks its dialect; one that needs a
        feature the release lacks (API tokens before Keystone 0.6.4) refuses it.
        """

    def auth_flow(self, request: Request) -> AuthFlow:
        """Put credentials on ``request`` and yield it (the default sends it as it is)."""
        yield request

    #: Why a strategy without a login has none, and what to do (the refusal's message).
    _no_login = (
        "create the client without auth= (the default logs in with a username and password) "
        "to call login()"
    )

    def login_flow(self, username: str, password: str) -> AuthFlow:
        """The requests of ``client.login()``; strategies without a login refuse."""
        raise TypeError(f"{type(self).__name__} has no login; {self._no_login}")
        yield  # pragma: no cover (makes this a generator)

    def logout_flow(self) -> AuthFlow:
        """The requests of ``client.logout()``; by default there are none."""
        return
        yield  # pragma: no cover (makes this a generator)

    @property
    def is_authenticated(self) -> bool:
        """Whether requests will carry credentials the server may accept (a local check)."""
        return False

    @property
    def user_id(self) -> int | str | None:
        """The id of the user the credentials belong to, if they say (a JWT's ``user_id``).

        ``client.whoami()`` uses it on servers without a whoami endpoint (Keystone 0.3.x).
        """
        return None


def bound_once(strategy: AuthStrategy, bound: str | None, api_root: str, hint: str = "") -> str:
    """``api_root``, once ``strategy`` (which holds a session) is sure to serve only that root.

    ``bound`` is the root it was bound to before, if any; another one raises ``ValueError``
    saying to give each client its own strategy (``hint`` adds what else the user may do).
    """
    if bound not in (None, api_root):
        name = type(strategy).__name__
        raise ValueError(
            f"this {name} already holds the session of a client of {shown_url(bound or '')}; "
            f"give each client of another server its own (auth={name}()){hint}"
        )
    return api_root


def forget_secrets(request: Request, shown: dict[str, str]) -> None:
    """Drop the secrets of a sent request (a login's password, a refresh token) that errors
    or logs may still reference: its body becomes ``shown``, the fields with ``***``."""
    request.json = shown
    request.body = None


def advance(flow: AuthFlow, outcome: Response | BaseException | None) -> Request | None:
    """The next request of ``flow`` after ``outcome``, or ``None`` once the flow is over.

    ``outcome`` is ``None`` to start the flow, the answer to the request it yielded last, or the
    exception sending that request raised, which is thrown into the flow at its ``yield``; if
    the flow catches it and ends there, it is raised again (a flow must yield or raise, not
    swallow). The one step of every flow's driver (:func:`flow_plan`, the chain's auth layer):
    no I/O here, the driver sends.
    """
    try:
        if outcome is None:
            return next(flow)
        if isinstance(outcome, BaseException):
            try:
                return flow.throw(outcome)
            except StopIteration:
                raise outcome from None
        return flow.send(outcome)
    except StopIteration:
        return None


def flow_plan(
    flow: AuthFlow, prepare: Callable[[Request], Request], check: Callable[[Response], None]
) -> Generator[Request, Response, Response | None]:
    """``flow`` as a plan (:mod:`keystone._plans`): each request it yields, made ready by
    ``prepare``, is yielded to the plan's driver, which sends it; ``check(response)`` may
    raise for an answer, as if sending had failed. The last answer."""
    response: Response | None = None
    try:
        request = advance(flow, None)
        while request is not None:
            try:
                response = yield prepare(request)
                check(response)
            except GeneratorExit:
                raise
            except BaseException as error:
                request = advance(flow, error)
                continue
            request = advance(flow, response)
        return response
    finally:
        flow.close()
