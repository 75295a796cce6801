"""Every timeout is checked when it is given: a bad one is refused, named, before sending."""

from __future__ import annotations

import math

import pytest
from local_server import Canned, LocalServer
from urllib3.util import Timeout

from keystone import KeystoneClient
from keystone._timeouts import to_timeout

BAD = [
    (5, math.nan),
    (math.nan, 5),
    math.inf,
    (5, math.inf),
    -1,
    0,
    (1, 0),
    True,
    "5",
    (1, 2, 3),
    Timeout(connect=1, read=math.nan),
]


@pytest.mark.parametrize("timeout", BAD, ids=repr)
def test_a_bad_timeout_is_refused_per_call_before_sending(
    local_server: LocalServer, timeout: object
) -> None:
    local_server.route("GET", "/x/", Canned(200, {}))
    client = KeystoneClient(local_server.url)
    with pytest.raises(ValueError, match="timeout=") as info:
        client.http_get("x", timeout=timeout)  # type: ignore[arg-type]
    assert "positive number of seconds" in str(info.value) or "elements" in str(info.value)
    with pytest.raises(ValueError, match="timeout="):
        client.retrieve_cluster(pk=1, timeout=timeout)  # type: ignore[arg-type]
    assert local_server.received == []


@pytest.mark.parametrize("timeout", BAD, ids=repr)
def test_a_bad_default_timeout_is_refused_by_the_constructor(timeout: object) -> None:
    with pytest.raises(ValueError, match="timeout="):
        KeystoneClient("http://localhost:8000", timeout=timeout)  # type: ignore[arg-type]


def test_the_message_names_the_bad_element() -> None:
    with pytest.raises(ValueError) as info:
        to_timeout((5, math.nan))
    assert "read timeout nan" in str(info.value) and "(5, nan)" in str(info.value)


@pytest.mark.parametrize("timeout", [2, 2.5, (1, None), (None, 3.0), None, Timeout(read=2)])
def test_good_timeouts_are_accepted(local_server: LocalServer, timeout: object) -> None:
    local_server.route("GET", "/x/", Canned(200, {}))
    assert KeystoneClient(local_server.url, timeout=timeout).http_get("x", timeout=timeout).ok  # type: ignore[arg-type]


def test_the_clients_timeout_applies_whatever_the_transport() -> None:
    from keystone import Response, StaticTokenAuth
    from keystone.testing import MockTransport

    seen: list[object] = []

    def answer(request: object) -> Response:
        seen.append(getattr(request, "timeout"))  # noqa: B009 (the request's, as sent)
        return Response(200, json={"id": 1, "name": "gpu"})

    client = KeystoneClient(
        "http://keystone.test",
        timeout=7.5,
        transport=MockTransport(answer),
        auth=StaticTokenAuth("key"),
        server="0.10.9",
    )
    client.http_get("allocations/clusters/1/")
    client.retrieve_cluster(pk=1)
    client.update_cluster(1, {"description": "x"})
    assert [(t.connect_timeout, t.read_timeout) for t in seen] == [(7.5, 7.5)] * 3  # type: ignore[attr-defined]
    client.http_get("allocations/clusters/1/", timeout=(1, 2))
    assert (seen[-1].connect_timeout, seen[-1].read_timeout) == (1, 2)  # type: ignore[attr-defined]


def test_a_calls_own_state_keeps_its_deadline_and_its_policys_deadline() -> None:
    from keystone import CallState, Response, RetryPolicy, StaticTokenAuth
    from keystone._timeouts import CallDeadline
    from keystone.testing import FakeClock, MockTransport

    clock = FakeClock()
    seen: list[object] = []

    def answer(request: object) -> Response:
        seen.append(getattr(request, "call").deadline)  # noqa: B009
        return Response(200, json={})

    client = KeystoneClient(
        "http://keystone.test",
        transport=MockTransport(answer),
        auth=StaticTokenAuth("k"),
        clock=clock,
        server="0.10.9",
    )
    given = CallDeadline(5, clock)
    client.request("GET", "x", call=CallState(deadline=given))
    client.request("GET", "x", call=CallState(retry=RetryPolicy(deadline=7)))
    client.request("GET", "x", call=CallState(retry=RetryPolicy(deadline=None)))
    client.request("GET", "x")
    assert seen[0] is given
    assert [getattr(d, "seconds", None) for d in seen[1:]] == [7, None, 30]
