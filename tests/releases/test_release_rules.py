"""Release rules that need no server to show: what is refused, how a query is sent, how a page
without its total ends. Each client is told its release (``server=``) and answers come from a
``MockTransport``; the releases are the ones where each rule changes."""

from __future__ import annotations

from typing import Any

import pytest

from keystone import (
    KeystoneClient,
    PaginationError,
    Request,
    Response,
    StaticTokenAuth,
    UnsupportedError,
)
from keystone._servers import version
from keystone.testing import MockTransport


def _client(release: str, handler: Any = None, **options: Any) -> tuple[KeystoneClient, Any]:
    transport = MockTransport(handler or (lambda request: Response(200, json=[])))
    auth = StaticTokenAuth("k3y") if version(release) >= version("0.6.4") else None
    client = KeystoneClient(
        "http://keystone.test", transport=transport, server=release, auth=auth, **options
    )
    return client, transport


def _query(transport: Any) -> str:
    return str(transport.requests[-1].url).split("?", 1)[1] if transport.requests else ""


@pytest.mark.parametrize("release", ["0.6.7", "0.6.8", "0.6.9"])
def test_a_list_the_release_answers_unfiltered_takes_no_query(release: str) -> None:
    client, transport = _client(release)
    with pytest.raises(UnsupportedError, match="answers the list of allocation requests unfil"):
        client.retrieve_request(filters={"status": "AP"})
    with pytest.raises(UnsupportedError, match=r"fixed in 0\.6\.9\.1"):
        client.retrieve_grant(search="NSF")
    assert transport.requests == []
    unchecked, sent = _client(release, check_filters=False)
    unchecked.retrieve_request(filters={"status": "AP"})
    assert _query(sent) == "status=AP"
    client.retrieve_cluster(filters={"name": "gpu"})  # clusters were never affected
    assert _query(transport) == "name=gpu"


def test_notifications_were_unfiltered_until_0_6_13() -> None:
    for release, refused in (("0.6.12", True), ("0.6.13", False)):
        client, transport = _client(release)
        if refused:
            with pytest.raises(UnsupportedError, match="notifications"):
                client.retrieve_notification(filters={"read": False})
        else:
            client.retrieve_notification(filters={"read": False})
            assert _query(transport) == "read=false"


@pytest.mark.parametrize(
    ("release", "sent"), [("0.5.0", "ordering=-name"), ("0.5.8", "ordering=-name")]
)
def test_order_goes_as_the_release_reads_it(release: str, sent: str) -> None:
    client, transport = _client(release)
    client.retrieve_cluster(order="-name")
    assert _query(transport) == sent
    with pytest.raises(UnsupportedError, match="cannot search clusters"):
        client.retrieve_cluster(search="gpu")  # _search came with 0.5.9
    newer, later = _client("0.5.9")
    newer.retrieve_cluster(order="-name", search="gpu")
    assert _query(later) == "_search=gpu&_order=-name"


@pytest.mark.parametrize(
    ("release", "path", "why"),
    [
        ("0.8.7", "membership", "searches no field"),
        ("0.10.9", "attachment", "answers 500"),
        ("0.10.9", "review", "answers 500"),
        ("0.10.9", "audit_log", "answers 500"),
        ("0.9.5", "notification", "answers 500"),
        ("0.10.7", "feed_entry", "searches no field"),
    ],
)
def test_a_search_the_release_ignores_or_fails_is_refused(
    release: str, path: str, why: str
) -> None:
    client, transport = _client(release)
    with pytest.raises(UnsupportedError, match=why):
        getattr(client, f"retrieve_{path}")(search="text")
    assert transport.requests == []


def test_searches_the_release_does_are_sent() -> None:
    empty = {"count": 0, "next": None, "results": []}
    for release, method in (("0.9.0", "retrieve_membership"), ("0.10.8", "retrieve_feed_entry")):
        client, transport = _client(release, lambda request: Response(200, json=empty))
        getattr(client, method)(search="text")
        assert "_search=text" in _query(transport)


def test_statistics_are_never_searched() -> None:
    client, transport = _client("0.10.9", lambda request: Response(200, json={}))
    with pytest.raises(UnsupportedError, match="cannot search grants statistics"):
        client.stats("grants", search="NSF")
    assert transport.requests == []
    assert client.stats("grants", filters={"team": 1}) == {}


def test_a_field_an_update_does_not_take_is_refused() -> None:
    client, transport = _client("0.10.9", lambda request: Response(200, json={"id": 1}))
    with pytest.raises(ValueError, match="lets an update of teams set only 'is_active'"):
        client.update_team(pk=1, data={"name": "renamed"})  # read-only on update from 0.10.3
    assert transport.requests == []
    older, sent = _client("0.10.2", lambda request: Response(200, json={"id": 1}))
    older.update_team(pk=1, data={"name": "renamed"})
    assert sent.requests[-1].method == "PATCH"


def test_a_page_without_its_total_ends_with_an_error_not_early() -> None:
    def handler(request: Request) -> Response:
        return Response(200, json=[{"id": n} for n in range(10)])  # a full page, no headers

    client, _ = _client("0.7.5", handler)
    with pytest.raises(PaginationError, match="without its total") as stopped:
        list(client.iter_cluster(page_size=10))
    assert stopped.value.records_delivered == 10
    assert len(client.retrieve_cluster()) == 10  # a page shorter than asked for is the last


def test_a_page_with_its_total_in_headers_is_followed() -> None:
    records = [{"id": n} for n in range(25)]

    def handler(request: Request) -> Response:
        query = dict(p.split("=") for p in str(request.url).split("?", 1)[1].split("&"))
        offset, limit = int(query.get("_offset", 0)), int(query["_limit"])
        headers = {"X-Total-Count": "25", "X-Limit": str(limit), "X-Offset": str(offset)}
        return Response(200, json=records[offset : offset + limit], headers=headers)

    client, transport = _client("0.7.5", handler)
    assert [r["id"] for r in client.iter_cluster(page_size=10, workers=1)] == list(range(25))
    assert len(transport.requests) == 3
    assert [r["id"] for r in client.retrieve_cluster()] == list(range(25))
