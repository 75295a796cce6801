"""Every model of the v0.10.9 profile in one namespace (each is defined in its app's package).

Fields are declared in the real server's order: ``fields = "__all__"`` serializers and the
audit log's change lists follow that order, and clients see both.
"""

from keystone.testing.server_v010.allocations.models import (
    AllocationRequest,
    AllocationReview,
    Attachment,
    Cluster,
    Comment,
    ResourceAllocation,
    team_of,
)
from keystone.testing.server_v010.logs.models import AuditLog, FeedEntry, RequestLog, TaskResult
from keystone.testing.server_v010.notifications.models import Notification, Preference
from keystone.testing.server_v010.research.models import Grant, Publication
from keystone.testing.server_v010.users.models import Membership, Team, User

__all__ = [
    "AllocationRequest",
    "AllocationReview",
    "Attachment",
    "AuditLog",
    "Cluster",
    "Comment",
    "FeedEntry",
    "Grant",
    "Membership",
    "Notification",
    "Preference",
    "Publication",
    "RequestLog",
    "ResourceAllocation",
    "TaskResult",
    "Team",
    "User",
    "team_of",
]
