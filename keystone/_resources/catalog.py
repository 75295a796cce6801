"""The Keystone API's resources, each declared once.

Adding a resource is one :class:`~keystone._resources.spec.Resource` line here, followed by
``python -m generate_resources`` to regenerate the typed client methods (a test fails
while the generated module is out of date).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from keystone._resources.spec import READ_ONLY, Resource

RESOURCES: tuple[Resource, ...] = (
    Resource(
        "allocation",
        "allocations/allocations",
        "allocation",
        required=("requested", "cluster", "request"),
    ),
    Resource("cluster", "allocations/clusters", "cluster", required=("name",)),
    Resource(
        "request",
        "allocations/requests",
        "allocation request",
        required=("title", "description", "group"),
    ),
    Resource(
        "review",
        "allocations/reviews",
        "allocation request review",
        required=("request", "status"),
    ),
    Resource("research_group", "users/researchgroups", "research group", required=("name", "pi")),
    Resource("user", "users/users", "user", required=("username", "password")),
    Resource(
        "grant",
        "research/grants",
        "grant",
        required=(
            "title",
            "agency",
            "amount",
            "grant_number",
            "fiscal_year",
            "start_date",
            "end_date",
            "group",
        ),
    ),
    Resource(
        "publication",
        "research/publications",
        "publication",
        required=("title", "abstract", "date", "journal", "group"),
    ),
    Resource("app_log", "logs/apps", "application log record", READ_ONLY),
    Resource("request_log", "logs/requests", "request log record", READ_ONLY),
    Resource("task_result", "logs/tasks", "background task result", READ_ONLY),
)

#: The resources by name.
BY_NAME: Mapping[str, Resource] = MappingProxyType({r.name: r for r in RESOURCES})

if len(BY_NAME) != len(RESOURCES):
    raise ValueError("two resources in the catalog share a name")
