from .choices import (
    SEAT_STATUSES,
    EventFormat,
    EventMode,
    EventStatus,
    InvitationResponse,
    PersonField,
    QuestionKind,
    RegistrationSource,
    RegistrationStatus,
)
from .events import (
    Event,
    EventDocument,
    EventQuestion,
    QuestionTemplate,
    Session,
    Team,
    count_half_days,
    validate_document,
)
from .registrations import Invitation, Registration

__all__ = [
    "SEAT_STATUSES",
    "Event",
    "EventDocument",
    "EventFormat",
    "EventMode",
    "EventQuestion",
    "EventStatus",
    "Invitation",
    "InvitationResponse",
    "PersonField",
    "QuestionKind",
    "QuestionTemplate",
    "Registration",
    "RegistrationSource",
    "RegistrationStatus",
    "Session",
    "Team",
    "count_half_days",
    "validate_document",
]
