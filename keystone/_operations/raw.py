"""Resource calls that also give the HTTP responses behind their result: ``with_raw_response``.

``client.with_raw_response.retrieve_cluster(pk=1)`` runs the plan ``client.retrieve_cluster``
runs, wrapped by :func:`keystone._plans.recorded` so that the responses of its requests are
kept, and returns a :class:`RawResponse`: the result (``parse()``, the very value the plain
method returns) and ``http_response`` (all of them in ``http_responses`` for a list read over
several pages). The plain methods are untouched by this: they run their plans without the
wrapper, and pay nothing for it.

A call that fails raises what the plain method raises; an :class:`~keystone.HTTPError` carries
the response it is about on ``.response``.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any, Generic, TypeVar

from keystone._plans import Core, Plan, arun, arun_records, recorded, run, run_records
from keystone._response import Response

__all__ = ["RawResponse", "aread_all_raw", "arun_raw", "read_all_raw", "run_raw"]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class RawResponse(Generic[T_co]):
    """A resource call's result and the HTTP responses it was read from.

    ``parse()`` is what the plain method returns (a record, a list of records, ``None`` for a
    record that does not exist or a deletion). ``http_responses`` holds the response to each
    request of the call in the order they were sent (one, or one per page of a list; the
    requests that find out the server's release are not the call's). ``http_response`` is the
    first of them, ``status_code`` and ``headers`` are its own.
    """

    __slots__ = ("_result", "http_responses")

    def __init__(self, result: T_co, responses: list[Response]) -> None:
        if not responses:
            raise ValueError(
                "RawResponse needs the response of at least one request; a call that sent "
                "none has no raw response to give"
            )
        self._result = result
        self.http_responses: tuple[Response, ...] = tuple(responses)

    def parse(self) -> T_co:
        """The call's result, as the plain method returns it (already read: the call's
        errors were raised by the call, not here)."""
        return self._result

    @property
    def http_response(self) -> Response:
        """The response to the call's first request (a list's first page)."""
        return self.http_responses[0]

    @property
    def status_code(self) -> int:
        """The status code of :attr:`http_response`."""
        return self.http_responses[0].status_code

    @property
    def headers(self) -> MutableMapping[str, str]:
        """The headers of :attr:`http_response` (case-insensitive)."""
        return self.http_responses[0].headers

    def __repr__(self) -> str:
        count = len(self.http_responses)
        more = f", {count} responses" if count > 1 else ""
        return f"<RawResponse [{self.status_code}]{more}>"


def run_raw(core: Core, plan: Plan[T]) -> RawResponse[T]:
    """Drive ``plan`` on this thread (as :func:`keystone._plans.run`), keeping its responses."""
    responses: list[Response] = []
    result = run(core, recorded(plan, responses))
    return RawResponse(result, responses)


def read_all_raw(core: Core, listing: Plan[Plan[None]]) -> RawResponse[list[dict[str, Any]]]:
    """Every record of the walk ``listing`` returns (as :func:`keystone._plans.read_all`),
    with the response to each page."""
    responses: list[Response] = []
    walk = run(core, recorded(listing, responses))
    result = list(run_records(core, recorded(walk, responses)))
    return RawResponse(result, responses)


async def arun_raw(core: Core, plan: Plan[T]) -> RawResponse[T]:
    """:func:`run_raw` in this task."""
    responses: list[Response] = []
    result = await arun(core, recorded(plan, responses))
    return RawResponse(result, responses)


async def aread_all_raw(core: Core, listing: Plan[Plan[None]]) -> RawResponse[list[dict[str, Any]]]:
    """:func:`read_all_raw` in this task."""
    responses: list[Response] = []
    walk = await arun(core, recorded(listing, responses))
    result = [record async for record in arun_records(core, recorded(walk, responses))]
    return RawResponse(result, responses)
