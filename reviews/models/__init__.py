"""Practice review records, one module per feature.

Every table holds case data and so carries its partnership through
tracker.case_records.PartnershipScoped (a guard test checks it).
"""

from reviews.models.actions import ACTION_STATUSES, ActionUpdate, Recommendation, ReviewAction
from reviews.models.identity import IncidentChild
from reviews.models.incident import (
    CARE_LEAVER_MAX_AGE,
    CP_PLAN,
    DECISIONS,
    LOCATIONS,
    NOT_NOTIFIABLE,
    NOT_NOTIFIABLE_REASON,
    PUBLISH_TYPES,
    RECOMMENDATIONS,
    STAGES,
    SeriousIncident,
)
from reviews.models.information import (
    INFORMATION_STAGES,
    INFORMATION_STATUSES,
    InformationRequest,
)
from reviews.models.review import (
    DELAY_REASONS,
    PublicationDelay,
    RapidReviewMeeting,
    Reviewer,
    ReviewRequest,
)
from reviews.models.yearly import YearlyReport

__all__ = [
    "ACTION_STATUSES",
    "CARE_LEAVER_MAX_AGE",
    "CP_PLAN",
    "DECISIONS",
    "DELAY_REASONS",
    "LOCATIONS",
    "NOT_NOTIFIABLE",
    "NOT_NOTIFIABLE_REASON",
    "PUBLISH_TYPES",
    "RECOMMENDATIONS",
    "STAGES",
    "ActionUpdate",
    "INFORMATION_STAGES",
    "INFORMATION_STATUSES",
    "IncidentChild",
    "InformationRequest",
    "PublicationDelay",
    "RapidReviewMeeting",
    "Recommendation",
    "ReviewAction",
    "ReviewRequest",
    "Reviewer",
    "SeriousIncident",
    "YearlyReport",
]
