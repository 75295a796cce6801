"""The async client's call log and wire log: the same lines as the sync client's, secrets
hidden; with the loggers off, the layers hand the rest of the chain back untouched."""

from __future__ import annotations

import asyncio
import logging

import pytest

from keystone import AsyncKeystoneClient, Request, Response, StaticTokenAuth
from keystone.testing import MockTransport


def answer(request: Request) -> Response:
    return Response(200, json={"id": 1, "name": "gpu"})


def client() -> AsyncKeystoneClient:
    return AsyncKeystoneClient(
        "http://keystone.test",
        transport=MockTransport(answer),
        auth=StaticTokenAuth("secret-key-123"),
        server="0.10.9",
    )


def test_the_call_and_the_exchange_are_logged_without_the_token(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="keystone.http")
    caplog.set_level(logging.DEBUG, logger="keystone.wire")
    assert asyncio.run(client().retrieve_cluster(pk=1)) == {"id": 1, "name": "gpu"}
    calls = [r for r in caplog.records if r.name == "keystone.http"]
    wire = [r for r in caplog.records if r.name == "keystone.wire"]
    assert len(calls) == 1
    assert calls[0].getMessage().startswith("GET /allocations/clusters/1/ -> 200 OK")
    assert calls[0].status_code == 200 and calls[0].attempt == 1  # type: ignore[attr-defined]
    assert [r.getMessage().split()[0] for r in wire] == ["-->", "<--"]
    assert "secret-key-123" not in caplog.text
    assert "Authorization: Token ***" in wire[0].getMessage()


def test_with_the_loggers_off_nothing_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="keystone")
    asyncio.run(client().retrieve_cluster(pk=1))
    assert [r for r in caplog.records if r.name in ("keystone.http", "keystone.wire")] == []
