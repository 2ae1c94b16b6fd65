"""Bibliographic formats: one parser (bytes → ParseResult) and one writer per format.

Nothing here imports Django: parsers are plain functions, fuzzed by the tests.
"""

from . import bibtex, csvfile, dublincore, marc21, marcxml, ris, unimarc
from .base import ParsedAuthor, ParsedCopy, ParsedLink, ParsedRecord, ParseError, ParseResult

IMPORT_FORMATS = {
    "marc21": "MARC 21 (ISO 2709)",
    "unimarc": "UNIMARC (ISO 2709)",
    "marcxml": "MARCXML",
    "ris": "RIS",
    "bibtex": "BibTeX",
    "csv": "CSV",
}
EXPORT_FORMATS = {
    **IMPORT_FORMATS,
    "marcxml": "MARCXML (UNIMARC)",
    "marcxml21": "MARCXML (MARC 21)",
    "dc": "Dublin Core XML",
}
EXTENSIONS = {
    "marc21": "mrc",
    "unimarc": "mrc",
    "marcxml": "xml",
    "marcxml21": "xml",
    "ris": "ris",
    "bibtex": "bib",
    "csv": "csv",
    "dc": "xml",
}


def parse(data, fmt, *, encoding=None):
    """Read `data` (bytes) in `fmt`; never raises on bad input."""
    if fmt == "unimarc":
        return unimarc.parse(data, encoding=encoding)
    if fmt == "marc21":
        return marc21.parse(data, encoding=encoding)
    if fmt == "marcxml":
        return marcxml.parse(data)
    if fmt == "ris":
        return ris.parse(data)
    if fmt == "bibtex":
        return bibtex.parse(data)
    if fmt == "csv":
        return csvfile.parse(data)
    raise ValueError(f"format inconnu : {fmt}")


def write(records, fmt):
    """ParsedRecords → bytes in `fmt`."""
    writers = {
        "unimarc": unimarc.write,
        "marc21": marc21.write,
        "marcxml": lambda r: marcxml.write(r, "unimarc"),
        "marcxml21": lambda r: marcxml.write(r, "marc21"),
        "ris": ris.write,
        "bibtex": bibtex.write,
        "csv": csvfile.write,
        "dc": dublincore.write,
    }
    if fmt not in writers:
        raise ValueError(f"format inconnu : {fmt}")
    return writers[fmt](list(records))


__all__ = [
    "EXPORT_FORMATS",
    "IMPORT_FORMATS",
    "ParseError",
    "ParseResult",
    "ParsedAuthor",
    "ParsedCopy",
    "ParsedLink",
    "ParsedRecord",
    "parse",
    "write",
]
