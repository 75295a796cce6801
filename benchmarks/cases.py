"""The clients compared, each making the same GET of one Keystone record."""

from __future__ import annotations

import json
from collections.abc import Callable

import urllib3
from harness import Case

from keystone import KeystoneClient

DETAIL = "allocations/clusters/1/"


def _raw_urllib3(url: str) -> Callable[[], object]:
    pool = urllib3.PoolManager()
    target = url + DETAIL
    return lambda: json.loads(pool.request("GET", target).data)


def _http_get(url: str) -> Callable[[], object]:
    client = KeystoneClient(url)
    return lambda: client.http_get(DETAIL).json()


def single_request_cases() -> list[Case]:
    return [
        Case("raw urllib3 + json.loads", _raw_urllib3),
        Case("KeystoneClient.http_get().json()", _http_get),
    ]
