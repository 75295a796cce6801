"""Database models of the emulated Keystone API, one module per Keystone app."""

from keystone.testing.server.models.allocations import (
    Allocation,
    AllocationRequest,
    AllocationRequestReview,
    Cluster,
)
from keystone.testing.server.models.logs import AppLog, RequestLog, TaskResult
from keystone.testing.server.models.research import Grant, Publication
from keystone.testing.server.models.users import ResearchGroup, User

__all__ = [
    "Allocation",
    "AllocationRequest",
    "AllocationRequestReview",
    "AppLog",
    "Cluster",
    "Grant",
    "Publication",
    "RequestLog",
    "ResearchGroup",
    "TaskResult",
    "User",
]
