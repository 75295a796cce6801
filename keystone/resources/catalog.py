"""The Keystone API's resources, each declared once, with the paths releases keep it at.

What each collection allows on each release comes from that release's OpenAPI schema
(``keystone/testing/schemas/``), read by ``tools/generate_resources.py`` into
:mod:`keystone.resources.declared`; the same tool writes the typed client methods
(:mod:`keystone._operations.methods`). Adding a resource is one line here and a run of that
tool; adding a release is its schema's view in ``keystone/testing/schemas/``
(``tools/schema_view.py``), what its schema does not say in :mod:`keystone._servers`, and a
new path here if it moved one. A test fails while the generated modules are out of date.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from keystone.resources.spec import Resource

RESOURCES: tuple[Resource, ...] = (
    Resource("allocation", "allocation", ("allocations/allocations",)),
    Resource("cluster", "cluster", ("allocations/clusters",)),
    Resource("request", "allocation request", ("allocations/requests",)),
    Resource("review", "allocation request review", ("allocations/reviews",)),
    Resource("attachment", "attachment", ("allocations/attachments",)),
    Resource("comment", "comment", ("allocations/comments",)),
    Resource("research_group", "research group", ("users/researchgroups",), instead="team"),
    Resource("team", "team", ("users/teams",), instead="research_group"),
    Resource("membership", "team membership", ("users/memberships", "users/membership")),
    Resource("user", "user", ("users/users",)),
    Resource("grant", "grant", ("research/grants",)),
    Resource("publication", "publication", ("research/publications",)),
    Resource("notification", "notification", ("notifications/notifications",)),
    Resource("preference", "notification preference", ("notifications/preferences",)),
    Resource("app_log", "application log record", ("logs/apps",), instead="audit_log"),
    Resource("audit_log", "audit log record", ("logs/audit",), instead="app_log"),
    Resource("request_log", "request log record", ("logs/requests",)),
    Resource("task_result", "background task result", ("logs/tasks",)),
    Resource("feed_entry", "activity feed entry", ("logs/feed",)),
)

#: The resources by name.
BY_NAME: Mapping[str, Resource] = MappingProxyType({r.name: r for r in RESOURCES})

if len(BY_NAME) != len(RESOURCES):
    raise ValueError("two resources in the catalog share a name")

#: ``(resource, field)`` -> the paths releases publish that field's choices at, newest first.
CHOICES: Mapping[tuple[str, str], tuple[str, ...]] = MappingProxyType(
    {
        ("cluster", "access_mode"): ("allocations/cluster-choices/access-mode",),
        ("request", "status"): (
            "allocations/request-choices/status",
            "allocations/allocation-request/status-choices",
        ),
        ("review", "status"): (
            "allocations/review-choices/status",
            "allocations/allocation-review/status-choices",
        ),
        ("membership", "role"): (
            "users/membership-choices/role",
            "users/team-membership/role-choices",
        ),
        ("notification", "type"): (
            "notifications/notification-choices/type",
            "notifications/allocation-request/status-choices",
        ),
    }
)
