"""Plain data shared by every bibliographic format, without Django.

A parser turns bytes into a `ParseResult`: the records it could read
(`ParsedRecord`) and, for the others, a `ParseError(position, reason)` with a
French reason. Parsers never raise on bad input. Writers turn
`ParsedRecord`s back into bytes.
"""

import re
import unicodedata
from dataclasses import dataclass, field

# Record types: code → French label. The models use the same codes.
RECORD_TYPES = {
    "ouvrage": "ouvrage",
    "chapitre": "chapitre",
    "article": "article",
    "revue": "revue",
    "numero": "numéro de revue",
    "rapport": "rapport, étude",
    "litterature_grise": "littérature grise",
    "these": "thèse, mémoire",
    "fiche": "fiche méthodologique",
    "kit": "kit pédagogique",
    "rex": "retour d'expérience",
    "infographie": "infographie",
    "video": "vidéo, replay",
    "podcast": "podcast",
    "site_web": "site web",
}

AUTHOR_ROLES = {
    "auteur": "auteur",
    "directeur": "directeur de publication",
    "coordinateur": "coordinateur",
    "contributeur": "contributeur",
    "traducteur": "traducteur",
    "illustrateur": "illustrateur",
    "intervenant": "intervenant",
    "commanditaire": "commanditaire",
    "editeur_scientifique": "éditeur scientifique",
}

# Non-sorting markers: ISO 6630 NSB/NSE (0x88/0x89, U+0088/U+0089 in
# Unicode) and the ISO 6429 SOS/ST pair (U+0098/U+009C) some MARC 21 systems use.
NSB = "\x88"
NSE = "\x89"
_NONSORT_START = ("\x88", "\x98")
_NONSORT_END = ("\x89", "\x9c")
_MARKERS = re.compile("[\x88\x89\x98\x9c]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@dataclass
class ParsedAuthor:
    name: str  # surname, or the organisation's name
    forename: str = ""
    is_organisation: bool = False
    role: str = "auteur"
    dates: str = ""

    @property
    def display(self):
        return f"{self.name}, {self.forename}" if self.forename else self.name


@dataclass
class ParsedCopy:
    barcode: str = ""
    call_number: str = ""
    location: str = ""
    status: str = ""
    acquired_on: str = ""  # ISO date YYYY-MM-DD, or ""
    note: str = ""


@dataclass
class ParsedLink:
    url: str
    label: str = ""


@dataclass
class ParsedRecord:
    """One bibliographic record as read from a file, before any database work."""

    position: int = 0  # 1-based record number in the file
    source_id: str = ""  # the identifier in the source (001, RIS ID, BibTeX key…)
    record_type: str = "ouvrage"
    title: str = ""  # display title, without non-sorting markers
    title_nonsort: int = 0  # characters of `title` to skip when sorting
    subtitle: str = ""
    part: str = ""  # number or name of a part, issue numbering ("n° 12")
    responsibility: str = ""
    authors: list = field(default_factory=list)  # ParsedAuthor
    edition: str = ""
    publisher: str = ""
    place: str = ""
    year: int | None = None
    date_text: str = ""
    extent: str = ""
    series: str = ""
    series_number: str = ""
    host_title: str = ""  # the journal or book a chapter / article belongs to
    isbn: str = ""  # normalised ISBN-13, digits only
    issn: str = ""  # normalised NNNN-NNNC
    language: str = ""  # ISO 639-2/B, e.g. "fre"
    abstract: str = ""
    contents: str = ""
    notes: str = ""
    subjects: list = field(default_factory=list)  # thesaurus labels
    keywords: list = field(default_factory=list)  # free keywords
    places: list = field(default_factory=list)  # geographic names as written in the source
    links: list = field(default_factory=list)  # ParsedLink
    copies: list = field(default_factory=list)  # ParsedCopy
    warnings: list = field(default_factory=list)  # French notices, not blocking


@dataclass(frozen=True)
class ParseError:
    position: int  # record number (1-based); 0 for the whole file
    reason: str

    def __str__(self):
        where = f"notice {self.position}" if self.position else "fichier"
        return f"{where} : {self.reason}"


@dataclass
class ParseResult:
    format: str
    records: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    encoding: str = ""
    count: int = 0  # records found in the file, good and bad

    def error(self, position, reason):
        self.errors.append(ParseError(position, reason))


# --- Text helpers -----------------------------------------------------------


def clean(value):
    """Strip control characters (markers included) and squeeze blanks."""
    if not value:
        return ""
    if value.__class__ is not str:
        value = str(value)
    if value.isprintable():
        # No control character, marker, tab or line break; the only blank is U+0020.
        if not value.isascii():
            value = unicodedata.normalize("NFC", value)
        if value[0] == " " or value[-1] == " " or "  " in value:
            return " ".join(value.split())
        return value
    if not value.isascii():
        value = unicodedata.normalize("NFC", value)
    value = _CONTROL.sub("", value)
    return " ".join(value.split())


def split_nonsort(value):
    """'\\x88Le \\x89monde' → ('Le monde', 3): display text, characters to skip when sorting.

    Only a marked part at the start counts for sorting; markers elsewhere are
    dropped from the display text.
    """
    if not value:
        return "", 0
    value = unicodedata.normalize("NFC", value)
    skip = 0
    stripped = value.lstrip()
    if stripped[:1] in _NONSORT_START:
        end = min((stripped.find(m) for m in _NONSORT_END if m in stripped), default=-1)
        if end > 0:
            prefix = _MARKERS.sub("", stripped[1:end])
            rest = _MARKERS.sub("", stripped[end + 1 :])
            text = clean(prefix + rest)
            skip = len(clean(prefix))
            if skip and prefix[-1:].isspace() and rest.strip():
                skip += 1  # 'Le ' + 'monde': the space goes with the prefix
            return text, min(skip, len(text))
    return clean(value), 0


def with_nonsort(title, nonsort):
    """The UNIMARC form of a title: the non-sorting prefix between NSB and NSE."""
    if not nonsort or nonsort >= len(title):
        return title
    return f"{NSB}{title[:nonsort]}{NSE}{title[nonsort:]}"


_YEAR = re.compile(r"(1[5-9]\d\d|20\d\d|21\d\d)")


def year_from(text):
    match = _YEAR.search(text or "")
    return int(match.group(1)) if match else None


def first(values, default=""):
    for value in values:
        if value:
            return value
    return default


# --- ISBN / ISSN ------------------------------------------------------------

_ISBN_CANDIDATE = re.compile(r"(?:97[89][\s-]?)?(?:\d[\s-]?){9}[\dXx]")
_ISSN_CANDIDATE = re.compile(r"\d{4}[\s-]?\d{3}[\dXx]")


def _isbn10_ok(digits):
    total = sum((10 - i) * (10 if c in "Xx" else int(c)) for i, c in enumerate(digits))
    return total % 11 == 0


def _isbn13_check(first12):
    total = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(first12))
    return str((10 - total % 10) % 10)


def normalize_isbn(value):
    """Return the ISBN-13 (13 digits) of an ISBN-10 or -13, or raise ValueError in French.

    Tolerates hyphens, spaces and trailing qualifiers: '2-07-036822-X (br.)'.
    """
    text = (value or "").strip()
    match = _ISBN_CANDIDATE.search(text)
    if not match:
        raise ValueError(f"ISBN illisible : « {text} »")
    compact = re.sub(r"[\s-]", "", match.group(0)).upper()
    if len(compact) == 10:
        if not compact[:9].isdigit() or not _isbn10_ok(compact):
            raise ValueError(f"ISBN-10 invalide (clé de contrôle) : « {text} »")
        core = "978" + compact[:9]
        return core + _isbn13_check(core)
    if len(compact) == 13 and compact.isdigit() and compact[:3] in ("978", "979"):
        if _isbn13_check(compact[:12]) != compact[12]:
            raise ValueError(f"ISBN-13 invalide (clé de contrôle) : « {text} »")
        return compact
    raise ValueError(f"ISBN invalide : « {text} »")


def isbn10(isbn13):
    """The ISBN-10 form of a 978 ISBN-13, or '' (979 has no ISBN-10)."""
    if not isbn13.startswith("978"):
        return ""
    core = isbn13[3:12]
    check = (11 - sum((10 - i) * int(c) for i, c in enumerate(core)) % 11) % 11
    return core + ("X" if check == 10 else str(check))


def normalize_issn(value):
    """Return 'NNNN-NNNC' or raise ValueError in French."""
    text = (value or "").strip()
    match = _ISSN_CANDIDATE.search(text)
    if not match:
        raise ValueError(f"ISSN illisible : « {text} »")
    compact = re.sub(r"[\s-]", "", match.group(0)).upper()
    total = sum((8 - i) * int(c) for i, c in enumerate(compact[:7]))
    check = (11 - total % 11) % 11
    if compact[7] != ("X" if check == 10 else str(check)):
        raise ValueError(f"ISSN invalide (clé de contrôle) : « {text} »")
    return f"{compact[:4]}-{compact[4:]}"


def finish(record, result):
    """Check what every format needs; add the record or an error. Returns True if kept."""
    record.title = clean(record.title)
    if not record.title:
        result.error(record.position, "titre absent")
        return False
    if record.record_type not in RECORD_TYPES:
        record.warnings.append(f"type de document inconnu « {record.record_type} », lu comme « ouvrage »")
        record.record_type = "ouvrage"
    try:
        if record.isbn:
            record.isbn = normalize_isbn(record.isbn)
        if record.issn:
            record.issn = normalize_issn(record.issn)
    except ValueError as exc:
        result.error(record.position, str(exc))
        return False
    if record.year is None and record.date_text:
        record.year = year_from(record.date_text)
    record.subjects = _unique(clean(s) for s in record.subjects)
    record.keywords = _unique(clean(k) for k in record.keywords)
    record.places = _unique(clean(k) for k in record.places)
    result.records.append(record)
    return True


def _unique(values):
    seen, out = set(), []
    for value in values:
        if value and value.lower() not in seen:
            seen.add(value.lower())
            out.append(value)
    return out
