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
from .segments import ContactImport, Segment

__all__ = [
    "AppendOnlyError",
    "ConsentChannel",
    "ConsentEvent",
    "ConsentKind",
    "ContactImport",
    "LegalBasis",
    "Membership",
    "Network",
    "NetworkKind",
    "Organisation",
    "OrganisationKind",
    "Person",
    "Position",
    "Role",
    "Segment",
    "SuppressionEntry",
    "SuppressionReason",
    "Theme",
]
