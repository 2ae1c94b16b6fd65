"""The shared import framework: CSV/XLSX in, row errors in French out.

    report = run_import(upload, columns=COLUMNS, validate_row=clean, process_batch=write)

See `runner.run_import` for the contract; nothing here knows about contacts.
"""

from .mapping import Column, map_headers
from .report import ImportRefused, ImportReport, RowIssue
from .runner import ALL_OR_NOTHING, MODES, VALID_ROWS, BatchContext, ImportRow, run_import
from .safety import neutralise
from .sources import check_zip, detect_delimiter, detect_encoding, open_table

__all__ = [
    "ALL_OR_NOTHING",
    "MODES",
    "VALID_ROWS",
    "BatchContext",
    "Column",
    "ImportRefused",
    "ImportReport",
    "ImportRow",
    "RowIssue",
    "check_zip",
    "detect_delimiter",
    "detect_encoding",
    "map_headers",
    "neutralise",
    "open_table",
    "run_import",
]
