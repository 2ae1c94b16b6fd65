from .authorities import Agent, agent_key
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
from .thesaurus import Concept, ConceptScheme

__all__ = [
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
    "agent_key",
    "title_key",
    "validate_isbn",
    "validate_issn",
]
