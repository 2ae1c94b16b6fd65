from .authorities import Agent, agent_key
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
    "Copy",
    "ImportBatch",
    "Link",
    "Record",
    "SavedSearch",
    "agent_key",
    "title_key",
    "validate_isbn",
    "validate_issn",
]
