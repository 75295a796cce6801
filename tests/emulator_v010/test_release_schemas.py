"""Each emulator profile from 0.4.1 to 0.10.9 routes what its release's schema has, and every
list reads exactly the filters that release's list reads.

The real schemas (``keystone/testing/schemas/``, from each tag's ``keystone-api spectacular``)
list, for every path, the query parameters its list takes; the emulator's own OpenAPI document
(``openapi/json/``) lists the filters each route's filter set really has. The two must agree
name for name: a lookup the release lacks (``name__not_in`` before 0.9.3) must be missing
here too, and every lookup it has must work, so that tests of the client against the
emulator say what the real release would do.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import urllib3

from keystone.testing import KeystoneEmulator
from keystone.testing.server_v010.release import TRAITS, Release

CONTROLS = frozenset({"_search", "_order", "_limit", "_offset"})
#: Routes not compared: the admin site, the schema, the health checks, the metrics and the
#: version (no schema lists it before 0.6.11), login and logout (the replays check those),
#: and each app's API root.
NOT_COMPARED = ("admin", "openapi", "health", "metrics", "version", "authentication/log")
API_ROOTS = frozenset({"allocations", "users", "logs", "research", "notifications"})


@pytest.fixture(scope="module", params=sorted(TRAITS))
def documents(
    request: pytest.FixtureRequest, line_emulators: Callable[[str], KeystoneEmulator]
) -> tuple[Release, dict[str, set[str]]]:
    """The real schema's view of a release, and each route's parameters in its emulator."""
    emulator = line_emulators(request.param)
    answer = urllib3.PoolManager().request("GET", emulator.url + "openapi/json/")
    document: dict[str, Any] = json.loads(answer.data)
    routes = {
        route.strip("/"): {p["name"] for p in item.get("get", {}).get("parameters", ())}
        for route, item in document["paths"].items()
        if "(?P<" not in route and "<drf_format_suffix" not in route
    }
    return Release.of(request.param), routes


def _compared(path: str) -> bool:
    return bool(path) and not path.startswith(NOT_COMPARED) and path not in API_ROOTS


def test_every_path_of_the_release_is_routed_and_no_other(
    documents: tuple[Release, dict[str, set[str]]],
) -> None:
    real, routes = documents
    expected = {path for path in real.view["paths"] if _compared(path)}
    routed = {path for path in routes if _compared(path)}
    assert routed == expected
    assert len(expected) >= 12


def test_every_list_reads_the_filters_of_its_release(
    documents: tuple[Release, dict[str, set[str]]],
) -> None:
    real, routes = documents
    different = {}
    for path, item in real.view["paths"].items():
        wanted = set(item.get("params", ())) - CONTROLS
        if not wanted:
            continue
        have = routes.get(path, set()) - CONTROLS
        if have != wanted:
            different[path] = (sorted(wanted - have), sorted(have - wanted))
    assert different == {}
    assert real.version == "0.4.1" or routes["allocations/clusters"] & {"_order"}


def test_paging_parameters_follow_the_release(
    documents: tuple[Release, dict[str, set[str]]],
) -> None:
    real, routes = documents
    paged = real.traits.paging != "whole"
    assert ({"_limit", "_offset"} <= routes["allocations/clusters"]) is paged
    assert ("_limit" in real.params("allocations/clusters")) is paged
