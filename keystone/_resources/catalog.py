"""The Keystone API's resources, each declared once, with where each generation keeps it.

What each collection allows comes from the servers' OpenAPI schemas (``specs/``), read by
``tools/generate_resources.py`` into :mod:`keystone._resources.declared`; the same tool writes
the typed client methods (:mod:`keystone._resources.methods`). Adding a resource is one line
here and a run of that tool; adding a server version is its schema in ``specs/``, its entry in
:mod:`keystone._servers` and the paths of its resources here. A test fails while the
generated modules are out of date.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from keystone._resources.spec import Resource
from keystone._servers import Generation

OLD, NEW = Generation.V0_3, Generation.V0_4


def _both(path: str) -> dict[Generation, str]:
    return {OLD: path, NEW: path}


RESOURCES: tuple[Resource, ...] = (
    Resource("allocation", "allocation", _both("allocations/allocations")),
    Resource("cluster", "cluster", _both("allocations/clusters")),
    Resource("request", "allocation request", _both("allocations/requests")),
    Resource("review", "allocation request review", _both("allocations/reviews")),
    Resource("attachment", "attachment", {NEW: "allocations/attachments"}),
    Resource("comment", "comment", {NEW: "allocations/comments"}),
    Resource("research_group", "research group", {OLD: "users/researchgroups"}, instead="team"),
    Resource("team", "team", {NEW: "users/teams"}, instead="research_group"),
    Resource("membership", "team membership", {NEW: "users/memberships"}),
    Resource("user", "user", _both("users/users")),
    Resource("grant", "grant", _both("research/grants")),
    Resource("publication", "publication", _both("research/publications")),
    Resource("notification", "notification", {NEW: "notifications/notifications"}),
    Resource("preference", "notification preference", {NEW: "notifications/preferences"}),
    Resource("app_log", "application log record", {OLD: "logs/apps"}, instead="audit_log"),
    Resource("audit_log", "audit log record", {NEW: "logs/audit"}, instead="app_log"),
    Resource("request_log", "request log record", _both("logs/requests")),
    Resource("task_result", "background task result", _both("logs/tasks")),
    Resource("feed_entry", "activity feed entry", {NEW: "logs/feed"}),
)

#: The resources by name.
BY_NAME: Mapping[str, Resource] = MappingProxyType({r.name: r for r in RESOURCES})

if len(BY_NAME) != len(RESOURCES):
    raise ValueError("two resources in the catalog share a name")
