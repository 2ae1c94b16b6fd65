from crpv.programme.models.imports import ProgrammeImport
from crpv.programme.models.programme import (
    Action,
    Axis,
    CalendarWindow,
    Deliverable,
    Partner,
    Programme,
    Target,
)

__all__ = ["Action", "Axis", "CalendarWindow", "Deliverable", "Partner", "Programme", "ProgrammeImport", "Target"]
