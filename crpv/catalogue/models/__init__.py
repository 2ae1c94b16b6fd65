from .authorities import Agent, agent_key
from .desk import ConsultationRequest, Loan, RecordUpload
from .harvest import HarvestSource
from .records import (
    LICENCES,
    Attachment,
    Authorship,
    Copy,
    ImportBatch,
    Link,
    Record,
    title_key,
    validate_isbn,
    validate_issn,
)
from .saved_searches import SavedSearch
from .thesaurus import Concept, ConceptScheme
from .weeding import CRITERIA, CopyUse, DigitalFileFinding, DigitalScan, WeedingDecision, WeedingRule

__all__ = [
    "CRITERIA",
    "CopyUse",
    "DigitalFileFinding",
    "DigitalScan",
    "HarvestSource",
    "WeedingDecision",
    "WeedingRule",
    "LICENCES",
    "Agent",
    "Attachment",
    "Authorship",
    "Concept",
    "ConceptScheme",
    "ConsultationRequest",
    "Copy",
    "ImportBatch",
    "Link",
    "Loan",
    "Record",
    "RecordUpload",
    "SavedSearch",
    "agent_key",
    "title_key",
    "validate_isbn",
    "validate_issn",
]
