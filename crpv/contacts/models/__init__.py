from .choices import (
    ConsentChannel,
    ConsentKind,
    LegalBasis,
    NetworkKind,
    OrganisationKind,
    Role,
    SuppressionReason,
)
from .consent import AppendOnlyError, ConsentEvent, SuppressionEntry
from .networks import Membership, Network
from .organisations import Organisation
from .people import Person, Position, Theme

__all__ = [
    "AppendOnlyError",
    "ConsentChannel",
    "ConsentEvent",
    "ConsentKind",
    "LegalBasis",
    "Membership",
    "Network",
    "NetworkKind",
    "Organisation",
    "OrganisationKind",
    "Person",
    "Position",
    "Role",
    "SuppressionEntry",
    "SuppressionReason",
    "Theme",
]
