"""The throttle layer: every request waits its turn, and answers that say "later" set it.

Just before the wire, below the auth layer (so the requests a renewal or a login adds wait
too), each request to the client's own origin takes its moment from the client's
:class:`~keystone._throttle.Throttle` and waits for it on the client's clock. After the
answer, a throttle's (a 429 with ``Retry-After``, or what the call reads as a throttle: an
atomic job's throttled step) holds every request of the client until then. A request the
server did not count (refused with 429, or never sent) gives its place in the client's
``rate_limit`` back.

The waiting is the server's time, not the call's: it is not counted against the call's
deadline (which moves on by what was waited), but against ``max_retry_after`` of the call's
retry policy, for all the call's waits together, and against the deadline of the batch the
call is made in. A wait longer than either raises :class:`~keystone.ThrottleWaitError` and
the request is not sent.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from keystone._clock import Clock, sleep_async
from keystone._errors import ThrottleWaitError, shown_url
from keystone._item_context import batch_deadline
from keystone._log_fields import log_fields
from keystone._pipeline import Layer
from keystone._request import Request
from keystone._response import Response
from keystone._retry.rules import throttle_wait
from keystone._throttle import Throttle
from keystone._urls import BaseURL

if TYPE_CHECKING:
    from keystone._chain.backoff import BackoffMiddleware

logger = logging.getLogger("keystone.throttle")


class ThrottleMiddleware(Layer):
    """Applies a :class:`~keystone._throttle.Throttle`; see the module docstring."""

    name = "throttle"

    def __init__(
        self, throttle: Throttle, backoff: BackoffMiddleware, clock: Clock, base_url: BaseURL
    ) -> None:
        self.throttle = throttle
        self._backoff = backoff  # for the client's retry policy
        self.clock = clock
        self._base_url = base_url

    def handle(self, request: Request) -> Response:
        if not self._base_url.is_own_origin(request.url):
            return self.call_next(request)  # another server's throttle is not this client's
        at, wait = self._turn(request)
        while wait > 0:  # the waits of the request's turn
            try:
                self.clock.sleep(wait)
            except BaseException:
                self.throttle.release(at, request.call.cost)
                raise
            at, wait = self._waited(request, at, wait)
        try:
            response = self.call_next(request)
        except BaseException as error:
            self._not_answered(request, at, error)
            raise
        self._answered(request, at, response)
        return response

    async def handle_async(self, request: Request) -> Response:
        if not self._base_url.is_own_origin(request.url):
            return await self.acall_next(request)
        at, wait = self._turn(request)
        while wait > 0:
            try:
                await sleep_async(self.clock, wait)
            except BaseException:  # cancelled while waiting: its place goes back
                self.throttle.release(at, request.call.cost)
                raise
            at, wait = self._waited(request, at, wait)
        try:
            response = await self.acall_next(request)
        except BaseException as error:
            self._not_answered(request, at, error)
            raise
        self._answered(request, at, response)
        return response

    def _turn(self, request: Request) -> tuple[float, float]:
        """The moment reserved for ``request`` and how long it must wait for it (``0``: go
        now); a wait longer than the call, or its batch, may wait raises, nothing sent."""
        call, throttle = request.call, self.throttle
        now = self.clock.monotonic()
        at = throttle.reserve(now, call.cost)
        wait = at - now
        if wait <= 0:
            return at, 0.0
        refused = self._too_long(request, wait, at)
        if refused is not None:
            throttle.release(at, call.cost)
            raise refused
        logger.debug(
            "%s %s waits %.2f s for the throttle",
            request.method,
            shown_url(request.url, request),
            wait,
            extra=log_fields(request, call.redactor, throttle_wait=round(wait, 3)),
        )
        return at, wait

    def _waited(self, request: Request, at: float, wait: float) -> tuple[float, float]:
        """After waiting ``wait`` for the moment ``at``: the moment to go and what is left to
        wait (the server may have asked for longer meanwhile: then a new turn)."""
        call = request.call
        call.throttle_waited += wait
        if call.deadline is not None:
            call.deadline.pause(wait)  # the server's time, not the call's
        if not self.throttle.holds(at):
            return at, 0.0
        self.throttle.release(at, call.cost)  # the server asked for longer meanwhile: go again
        return self._turn(request)

    def _not_answered(self, request: Request, at: float, error: BaseException) -> None:
        if getattr(error, "request_sent", True) is False:
            self.throttle.release(at, request.call.cost)  # the server never saw it

    def _answered(self, request: Request, at: float, response: Response) -> None:
        wait = throttle_wait(response, request)
        if wait:
            if response.status_code == 429:
                self.throttle.release(at, request.call.cost)  # refused whole: not counted
            self._hold(request, response, wait)

    def _too_long(self, request: Request, wait: float, at: float) -> ThrottleWaitError | None:
        """The error for a wait longer than the call, or its batch, may wait; else ``None``."""
        call = request.call
        policy = self._backoff.policy_for(call.retry)
        left = policy.max_retry_after - call.throttle_waited
        where = f"{request.method} {shown_url(request.url, request)}"
        why = self._why_held(at)
        if wait > left:
            return ThrottleWaitError(
                f"{where} was not sent: {why}, {wait:.1f} s more, and the call may wait for "
                f"throttles only {max(left, 0.0):.1f} s more ({policy.max_retry_after:g} s in "
                "all: its retry policy's max_retry_after). Nothing was sent. Send it again "
                "later, or allow longer waits with retry=RetryPolicy(max_retry_after=...).",
                retry_after=wait,
            )
        batch = batch_deadline()
        if batch is not None and wait > batch.left():
            return ThrottleWaitError(
                f"{where} was not sent: {why}, {wait:.1f} s more, past the {batch.seconds:g} s "
                "deadline of the batch it is in. Nothing was sent.",
                retry_after=wait,
            )
        return None

    def _why_held(self, at: float) -> str:
        if self.throttle.held_until >= at:
            return "the server throttles this client's requests (it asked to wait)"
        return f"the client's rate_limit ({self.throttle.rate}) holds it"

    def _hold(self, request: Request, response: Response, wait: float) -> None:
        if self.throttle.hold(self.clock.monotonic() + wait) and logger.isEnabledFor(logging.INFO):
            logger.info(
                "%s %s answered %d: the server throttles this client; its requests wait %.0f s",
                request.method,
                shown_url(request.url, request),
                response.status_code,
                wait,
                extra=log_fields(request, request.call.redactor, throttle_hold=wait),
            )

    def __repr__(self) -> str:
        return f"<ThrottleMiddleware {self.throttle!r}>"
