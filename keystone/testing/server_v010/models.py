"""Every model of the 0.4.1 to 0.10.9 profiles in one namespace (each in its app's package).

Fields are declared in the real server's order: ``fields = "__all__"`` serializers and the
audit log's change lists follow that order, and clients see both. The models hold every field
any of those releases had (a grant's ``fiscal_year`` until 0.7.1, a request's optional
``submitter`` before 0.10.0); each release's records show their own
(:mod:`keystone.testing.server_v010.shaping`).
"""

from keystone.testing.server_v010.allocations.models import (
    AllocationRequest,
    AllocationReview,
    Attachment,
    Cluster,
    Comment,
    JobStats,
    ResourceAllocation,
    team_of,
)
from keystone.testing.server_v010.logs.models import (
    AppLog,
    AuditLog,
    FeedEntry,
    RequestLog,
    TaskResult,
)
from keystone.testing.server_v010.notifications.models import Notification, Preference
from keystone.testing.server_v010.research.models import Grant, Publication
from keystone.testing.server_v010.users.models import Membership, Team, User

__all__ = [
    "AllocationRequest",
    "AllocationReview",
    "AppLog",
    "Attachment",
    "AuditLog",
    "Cluster",
    "Comment",
    "FeedEntry",
    "Grant",
    "JobStats",
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
