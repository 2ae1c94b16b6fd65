"""Read a yearly programme as the centre writes it, into a plain tree.

No Django here: the functions take text (or `.docx` bytes) and return
dataclasses, so they can be unit-tested and fuzzed on their own.

The shape the parser expects, from the IREV programme:

* an optional title ("Programme 2025") and table of contents (lines ending
  with a page number after a tab or dotted leaders), which is used as the
  outline (better-cased titles) and never creates anything by itself;
* an introduction, up to the first axis;
* axes headed by a roman numeral: "I Conduire…", "II- Soutenir…",
  "IV – L'éducation…"; their numbers must increase;
* actions headed by a number: "1. SUIVRE ET EVALUER…", "5 FAVORISER…" (no
  dot, capitals), "2.<tab>ESPACE DOC". The printed number is kept as written;
  the position (order within the axis) is the identity, so a repeated "1." is
  fine;
* inside an action: paragraphs, bullet lists, objectives ("Les objectifs :"
  and the bullets after it), publics, calendar windows, deliverables, and
  quantified targets (see `extract_targets`).
"""

from __future__ import annotations

import dataclasses
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field

# --- Vocabulary shared with the models ---------------------------------------

UNITS = {
    # value: (singular label, plural label)
    "session": ("session", "sessions"),
    "journee": ("journée", "journées"),
    "demi_journee": ("demi-journée", "demi-journées"),
    "webinaire": ("webinaire", "webinaires"),
    "rencontre": ("rencontre", "rencontres"),
    "visite": ("visite", "visites"),
    "evenement": ("événement", "événements"),
    "conference": ("conférence", "conférences"),
    "seminaire": ("séminaire", "séminaires"),
    "atelier": ("atelier", "ateliers"),
    "formation": ("formation", "formations"),
    "territoire": ("territoire", "territoires"),
    "participant": ("participant", "participants"),
    "module": ("module", "modules"),
    "reunion": ("réunion", "réunions"),
    "cycle": ("cycle", "cycles"),
    "appel": ("appel à contribution", "appels à contribution"),
}
PERIODS = {"an": "par an", "semestre": "par semestre", "mois": "par mois", "total": "sur le programme"}
FORMATS = {
    "presentiel": "présentiel",
    "distanciel": "distanciel",
    "hybride": "hybride",
    "unspecified": "non précisé",
}
DELIVERABLE_KINDS = {
    "infographie": "infographie",
    "synthese": "synthèse",
    "kit": "kit",
    "fiche": "fiches",
    "publication": "publication",
    "autre": "autre",
}


class ParseError(ValueError):
    """The text is not a programme the parser can read. Message in French."""

    def __init__(self, message, line=None):
        super().__init__(message)
        self.message = message
        self.line = line


# --- The tree -----------------------------------------------------------------


@dataclass
class ParsedTarget:
    quantity: int
    unit: str
    source: str
    quantity_max: int | None = None
    approximate: bool = False
    period: str = "total"
    format: str = "unspecified"


@dataclass
class ParsedWindow:
    label: str
    start_month: int | None = None
    end_month: int | None = None
    start_year: int | None = None
    end_year: int | None = None


@dataclass
class ParsedDeliverable:
    kind: str
    label: str


@dataclass
class ParsedPartner:
    name: str
    short_name: str = ""


@dataclass
class ParsedAction:
    number: int
    position: int
    title: str
    title_as_written: str
    line: int
    description: str = ""
    objectives: list[str] = field(default_factory=list)
    publics: list[str] = field(default_factory=list)
    partners: list[ParsedPartner] = field(default_factory=list)
    calendar: list[ParsedWindow] = field(default_factory=list)
    deliverables: list[ParsedDeliverable] = field(default_factory=list)
    targets: list[ParsedTarget] = field(default_factory=list)


@dataclass
class ParsedAxis:
    number: int
    roman: str
    title: str
    line: int
    description: str = ""
    objectives: list[str] = field(default_factory=list)
    actions: list[ParsedAction] = field(default_factory=list)


@dataclass
class TocEntry:
    kind: str  # "axis", "action" or "other"
    title: str
    page: int
    number: int | None = None


@dataclass
class ParsedProgramme:
    title: str
    year: int | None
    intro: str
    axes: list[ParsedAxis]
    toc: list[TocEntry] = field(default_factory=list)

    def to_dict(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data):
        def action(d):
            return ParsedAction(
                **{
                    **d,
                    "partners": [ParsedPartner(**p) for p in d["partners"]],
                    "calendar": [ParsedWindow(**w) for w in d["calendar"]],
                    "deliverables": [ParsedDeliverable(**x) for x in d["deliverables"]],
                    "targets": [ParsedTarget(**t) for t in d["targets"]],
                }
            )

        return cls(
            title=data["title"],
            year=data["year"],
            intro=data["intro"],
            toc=[TocEntry(**e) for e in data.get("toc", [])],
            axes=[ParsedAxis(**{**a, "actions": [action(x) for x in a["actions"]]}) for a in data["axes"]],
        )

    @property
    def action_count(self):
        return sum(len(a.actions) for a in self.axes)

    @property
    def target_count(self):
        return sum(len(x.targets) for a in self.axes for x in a.actions)


# --- Reading files ------------------------------------------------------------


def decode_text(data: bytes) -> str:
    """Decode a text file: UTF-8 (with or without BOM), else Windows-1252."""
    if b"\x00" in data:
        raise ParseError("le fichier contient des octets nuls : ce n'est pas un fichier texte.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ParseError("le fichier n'est ni en UTF-8 ni en Windows-1252 : impossible de lire son texte.") from exc


def docx_paragraphs(data: bytes) -> list[str]:
    """The paragraphs of a `.docx`, list items prefixed with "- "."""
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ParseError("le fichier .docx est illisible (ce n'est pas une archive Word valide).")
    try:
        import docx  # python-docx

        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many kinds on corrupt input
        raise ParseError("le fichier .docx est illisible (document Word corrompu).") from exc
    lines = []
    for paragraph in document.paragraphs:
        text = paragraph.text
        style = (paragraph.style.name if paragraph.style is not None else "") or ""
        p_pr = paragraph._p.pPr
        numbered = p_pr is not None and p_pr.numPr is not None
        if text.strip() and ("List" in style or "Liste" in style or numbered) and not _looks_like_heading(text):
            text = "- " + text.strip()
        lines.append(text)
    return lines


def _looks_like_heading(text):
    return bool(AXIS_RE.match(text.strip()) or ACTION_RE.match(text.strip()))


def parse_file(name: str, data: bytes, year: int | None = None) -> ParsedProgramme:
    """Parse `.txt` or `.docx` content; `name` only gives the extension."""
    lower = name.lower()
    if lower.endswith(".docx"):
        lines = docx_paragraphs(data)
    elif lower.endswith(".txt"):
        lines = decode_text(data).splitlines()
    else:
        raise ParseError("format non pris en charge : le fichier doit être en .txt ou .docx.")
    return parse_lines(lines, year=year)


def parse_text(text: str, year: int | None = None) -> ParsedProgramme:
    return parse_lines(text.splitlines(), year=year)


# --- Text helpers -------------------------------------------------------------

ROMAN = {"I": 1, "V": 5, "X": 10}
AXIS_RE = re.compile(r"^(?P<roman>[IVX]{1,5})(?:\s*[-–—.)]\s*|\s+)(?P<title>[«\"A-ZÀ-ÖØ-Þ].*)$")
ACTION_RE = re.compile(r"^(?P<num>\d{1,2})(?P<sep>\s*[.)]\s*|\t\s*|\s+)(?P<title>[«\"'A-Za-zÀ-ÖØ-öø-ÿ].*)$")
TOC_RE = re.compile(r"^(?P<title>.*?\S)(?:\s*\.{2,}\s*|\s*\t\s*|\s{2,})(?P<page>\d{1,3})\s*$")
BULLET_RE = re.compile(r"^(?:[-–—•●▪■◦·*\uf0a7\uf0b7➢►→]|o(?=\s))\s*")
MARKDOWN_LINK_RE = re.compile(r"\[([^\]]*)\]\([^)]*\)")
SENTENCE_SPLIT_RE = re.compile(r"(?<=[.!?…])\s+(?=[«\"A-ZÀ-ÖØ-Þ])")
ACRONYMS = {
    "QPV",
    "CPO",
    "VRL",
    "TFPB",
    "GUSP",
    "IREV",
    "ANCT",
    "CRPV",
    "RECI",
    "RNCRPV",
    "EPCI",
    "GIP",
    "DRAC",
    "URH",
    "MEL",
    "SGAR",
    "DDETS",
    "MPVEC",
    "CRPRS",
    "NPNRU",
    "ANRU",
    "PRU",
    "EFOP",
    "C2RP",
    "CLSPD",
    "CISPD",
    "LCD",
    "RU",
    "PV",
    "EMI",
    "USH",
}


def roman_to_int(roman: str) -> int | None:
    """Value of a roman numeral up to XX, or None when it is not a canonical one."""
    total = 0
    previous = 0
    for char in reversed(roman):
        value = ROMAN.get(char)
        if value is None:
            return None
        if value < previous:
            total -= value
        else:
            total += value
            previous = value
    if not 1 <= total <= 20 or int_to_roman(total) != roman:
        return None
    return total


def int_to_roman(number: int) -> str:
    out = ""
    for value, letters in ((10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while number >= value:
            out += letters
            number -= value
    return out


def fold(value: str) -> str:
    value = value.replace("œ", "oe").replace("Œ", "OE").replace("½", " demi ")
    value = unicodedata.normalize("NFKD", value)
    value = "".join(ch for ch in value if not unicodedata.combining(ch))
    return re.sub(r"[^0-9a-z]+", " ", value.lower()).strip()


def clean_inline(text: str) -> str:
    """Drop Markdown emphasis and links the export left, normalise spaces."""
    text = MARKDOWN_LINK_RE.sub(r"\1", text)
    text = text.replace("**", "").replace("\u00a0", " ").replace("\u202f", " ")
    text = re.sub(r"(?<!\w)\*(\S[^*]*\S|\S)\*(?!\w)", r"\1", text)
    return re.sub(r"[ \t]+", " ", text).strip()


def _strip_title(text: str) -> str:
    text = clean_inline(text)
    text = re.sub(r"\s*\.{2,}\s*$", "", text)
    return text.rstrip(" .").strip()


def _is_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    if len(letters) < 3:
        return False
    return sum(c.isupper() for c in letters) / len(letters) >= 0.8


def _bullet(line: str) -> str | None:
    """The text of a bullet line ("- x", "• x", "o x", "- o x"), else None."""
    stripped = line.strip()
    match = BULLET_RE.match(stripped)
    if not match or match.end() >= len(stripped):
        return None
    item = stripped[match.end() :].strip()
    if item.startswith("o "):
        item = item[2:].strip()
    return item or None


def split_sentences(line: str) -> list[str]:
    return [s.strip() for s in SENTENCE_SPLIT_RE.split(line) if s.strip()]


# --- Sentence case --------------------------------------------------------------

_WORD_RE = re.compile(r"[^\W\d_]+")


class Vocabulary:
    """How the document itself writes each word outside capitalised headings.

    Used to put titles written in capitals back into sentence case with their
    accents ("L'EGALITE" -> "l'égalité") and their proper nouns and acronyms.
    """

    def __init__(self, lines):
        self.lower: dict[str, dict[str, int]] = {}
        self.capital: dict[str, dict[str, int]] = {}
        self.upper: dict[str, int] = {}
        for line in lines:
            if _is_upper(line):
                continue
            for sentence in split_sentences(clean_inline(line)):
                for index, match in enumerate(_WORD_RE.finditer(sentence)):
                    word = match.group()
                    key = fold(word)
                    if word.islower():
                        bucket = self.lower.setdefault(key, {})
                        bucket[word] = bucket.get(word, 0) + 1
                    elif word.isupper() and len(word) >= 2:
                        self.upper[key] = self.upper.get(key, 0) + 1
                    elif word[0].isupper() and word[1:].islower() and index > 0:
                        bucket = self.capital.setdefault(key, {})
                        bucket[word] = bucket.get(word, 0) + 1

    def word(self, word: str, first: bool) -> str:
        if word.upper() in ACRONYMS or (
            len(word) >= 2 and word.isupper() and fold(word) in self.upper and fold(word) not in self.lower
        ):
            return word.upper() if word.isupper() else word
        key = fold(word)
        if word == "A" and not first:
            return "à"
        lower = self.lower.get(key, {})
        capital = self.capital.get(key, {})
        if capital and sum(capital.values()) > sum(lower.values()):
            return max(capital, key=capital.get)
        out = max(lower, key=lower.get) if lower else word.lower()
        return out[:1].upper() + out[1:] if first else out


def fix_word_case(title: str) -> str:
    """ "InitiaTION" -> "Initiation": a word in mixed case with a capital tail."""

    def fix(match):
        word = match.group()
        if re.search(r"[a-zà-ÿ][A-ZÀ-Þ]{2,}$", word):
            return word[0] + word[1:].lower()
        return word

    title = _WORD_RE.sub(fix, title)
    return title[:1].upper() + title[1:]


def sentence_case(title: str, vocabulary: Vocabulary) -> str:
    out = []
    position = 0
    first = True
    for match in _WORD_RE.finditer(title):
        out.append(title[position : match.start()])
        out.append(vocabulary.word(match.group(), first))
        first = False
        position = match.end()
    out.append(title[position:])
    return "".join(out)


def display_title(as_written: str, outline: dict[str, str], vocabulary: Vocabulary) -> str:
    """The title to show: the outline's when better cased, else sentence case."""
    title = _strip_title(as_written)
    if not _is_upper(title):
        return fix_word_case(title)
    from_outline = outline.get(fold(title))
    if from_outline and not _is_upper(from_outline):
        return fix_word_case(from_outline)
    return sentence_case(title, vocabulary)


# --- Quantified targets -----------------------------------------------------------

NUMBER_WORDS = {
    "un": 1,
    "une": 1,
    "deux": 2,
    "trois": 3,
    "quatre": 4,
    "cinq": 5,
    "six": 6,
    "sept": 7,
    "huit": 8,
    "neuf": 9,
    "dix": 10,
    "onze": 11,
    "douze": 12,
    "treize": 13,
    "quatorze": 14,
    "quinze": 15,
    "seize": 16,
    "vingt": 20,
    "trente": 30,
    "quarante": 40,
    "cinquante": 50,
}
APPROXIMATE_WORDS = {
    "dizaine": 10,
    "douzaine": 12,
    "quinzaine": 15,
    "vingtaine": 20,
    "trentaine": 30,
    "quarantaine": 40,
    "cinquantaine": 50,
    "centaine": 100,
}
# Folded surface forms (singular and plural) of each unit.
UNIT_WORDS = {
    "session": "session",
    "sessions": "session",
    "seance": "session",
    "seances": "session",
    "journee": "journee",
    "journees": "journee",
    "webinaire": "webinaire",
    "webinaires": "webinaire",
    "webinar": "webinaire",
    "webinars": "webinaire",
    "rencontre": "rencontre",
    "rencontres": "rencontre",
    "visite": "visite",
    "visites": "visite",
    "evenement": "evenement",
    "evenements": "evenement",
    "evenenements": "evenement",
    "conference": "conference",
    "conferences": "conference",
    "seminaire": "seminaire",
    "seminaires": "seminaire",
    "atelier": "atelier",
    "ateliers": "atelier",
    "formation": "formation",
    "formations": "formation",
    "territoire": "territoire",
    "territoires": "territoire",
    "participant": "participant",
    "participants": "participant",
    "participantes": "participant",
    "personnes": "participant",
    "module": "module",
    "modules": "module",
    "reunion": "reunion",
    "reunions": "reunion",
    "cycle": "cycle",
    "cycles": "cycle",
    "appel": "appel",
    "appels": "appel",
}
# "un"/"une" counts one planned event; "un territoire", "un module", "un
# événement métropolitain", "un séminaire" are descriptions, not targets.
SINGULAR_UNITS = {
    "session",
    "journee",
    "demi_journee",
    "webinaire",
    "rencontre",
    "visite",
    "conference",
    "reunion",
    "cycle",
    "atelier",
    "formation",
}
ADJECTIVES = {"second", "seconde", "nouveau", "nouvelle", "nouvel", "grand", "grande", "grandes", "grands", "petit"}
OPTIONAL_RE = re.compile(r"\b(eventuellement|optionnel(le)?)\b")
YEAR_RE = re.compile(r"(?<!\d)(19[5-9]\d|20\d\d)(?!\d)")
PERIOD_PATTERNS = (
    (re.compile(r"\b(?:par an|par annee|chaque annee|annuel\w*)\b"), "an"),
    (re.compile(r"\bpar semestre\b"), "semestre"),
    (re.compile(r"\b(?:par mois|mensuel\w*)\b"), "mois"),
)
PER_SESSION_RE = re.compile(r"^\s*par (seance|session|personne|jour|participant)\b")
_TOKEN_RE = re.compile(r"[0-9]+|[^\W\d_]+|\S")


@dataclass
class _Token:
    text: str
    folded: str
    start: int
    end: int


def _tokens(sentence: str) -> list[_Token]:
    return [_Token(m.group(), fold(m.group()) or m.group(), m.start(), m.end()) for m in _TOKEN_RE.finditer(sentence)]


def _digit_value(sentence: str, token: _Token) -> int | None:
    before = sentence[token.start - 1] if token.start > 0 else " "
    after = sentence[token.end] if token.end < len(sentence) else " "
    after2 = sentence[token.end + 1] if token.end + 1 < len(sentence) else " "
    if before.isalnum() or after.isalpha():  # M2, 1H30, 2nd
        return None
    if after in ".,/:h" and after2.isdigit():  # 0.5, 3,5, 31/12, 10:30
        return None
    if before in ".,/" and token.start > 1 and sentence[token.start - 2].isdigit():
        return None
    if re.match(r"[ \u00a0\u202f]\d{3}(?!\d)", sentence[token.end :]):  # 3 123
        return None
    if token.start > 1 and re.search(r"\d[ \u00a0\u202f]$", sentence[: token.start]) and len(token.text) == 3:
        return None
    value = int(token.text)
    if value == 0 or value > 999:
        return None
    return value


def _number_at(sentence, tokens, index):
    """(value, approximate, is_singular_article, next_index) or None."""
    token = tokens[index]
    if token.text.isascii() and token.text.isdigit():
        value = _digit_value(sentence, token)
        return None if value is None else (value, False, False, index + 1)
    word = token.folded
    if word in ("un", "une"):
        if index + 1 < len(tokens) and tokens[index + 1].folded in APPROXIMATE_WORDS:
            following = index + 2
            if following < len(tokens) and tokens[following].folded in ("de", "d"):
                following += 1
                if following < len(tokens) and tokens[following].text in ("'", "’"):
                    following += 1
            return (APPROXIMATE_WORDS[tokens[index + 1].folded], True, False, following)
        return (1, False, True, index + 1)
    if word in NUMBER_WORDS:
        return (NUMBER_WORDS[word], False, False, index + 1)
    return None


def _unit_at(tokens, index):
    """(unit, next_index) for the unit starting at `index`, or None."""
    if index >= len(tokens):
        return None
    word = tokens[index].folded
    if word == "½" or tokens[index].text == "½" or word == "demi":
        following = index + 1
        if following < len(tokens) and tokens[following].text in ("-", "‑"):
            following += 1
        if following < len(tokens) and tokens[following].folded in ("journee", "journees"):
            return ("demi_journee", following + 1)
        return None
    unit = UNIT_WORDS.get(word)
    if unit == "appel":
        rest = " ".join(t.folded for t in tokens[index + 1 : index + 3])
        if rest != "a contribution":
            return None
        return ("appel", index + 3)
    if unit:
        return (unit, index + 1)
    return None


def _format_of(segment: str, unit: str) -> str:
    folded = fold(segment)
    remote = bool(re.search(r"\b(visio\w*|distanciel|a distance|en ligne)\b", folded))
    onsite = bool(re.search(r"\b(presentiel|sur site)\b", folded))
    if "hybride" in folded.split() or (remote and onsite):
        return "hybride"
    if remote:
        return "distanciel"
    if onsite:
        return "presentiel"
    if unit == "webinaire":
        return "distanciel"
    if unit == "visite":
        return "presentiel"
    return "unspecified"


def _period_after(sentence: str, position: int) -> str:
    """The period stated just after a quantity: "par an", "/ an", "par semestre"."""
    window = re.split(r"[:;(.!?,]", sentence[position:].replace("/", " par "), maxsplit=1)[0]
    words = " ".join(fold(window).split()[:6])
    for pattern, period in PERIOD_PATTERNS:
        if pattern.search(words):
            return period
    return "total"


def _is_past_or_optional(sentence: str, year: int | None) -> bool:
    folded = fold(sentence)
    if OPTIONAL_RE.search(folded):
        return True
    if year is None:
        return False
    years = [int(y) for y in YEAR_RE.findall(sentence)]
    return bool(years) and max(years) < year


def extract_targets(sentence: str, year: int | None = None) -> list[ParsedTarget]:
    """Quantified targets stated in one French sentence.

    A target is a count followed by a unit of the centre's work: "Cinq
    sessions", "4 à 5 territoires", "une trentaine de participants" (30,
    approximate), "3 réunions / an", "une ½ journée", "(1 à 2/an)" after
    "appels à contribution". "un"/"une" count only for events (sessions,
    journées, rencontres…). Not targets: durations per session ("2 journées
    par séance"), years, decimals ("0.5 jour"), codes ("M2", "1H30"), ages
    ("14-25 ans"), grouped numbers ("3 123"), sentences about the past (they
    only name years before the programme's) or optional work ("éventuellement",
    "optionnel").
    """
    sentence = clean_inline(sentence)
    if _is_past_or_optional(sentence, year):
        return []
    tokens = _tokens(sentence)
    found = []  # (start, end, target_fields)
    index = 0
    while index < len(tokens):
        number = _number_at(sentence, tokens, index)
        if number is None:
            index += 1
            continue
        value, approximate, singular, cursor = number
        start = tokens[index].start
        maximum = None
        if not approximate and cursor + 1 < len(tokens) and tokens[cursor].text.lower() in ("à", "a", "ou", "-", "–"):
            second = _number_at(sentence, tokens, cursor + 1)
            if second is not None and not second[1] and second[0] > value:
                maximum = second[0]
                singular = False
                cursor = second[3]
        unit_cursor = cursor
        if singular:
            while unit_cursor < len(tokens) and tokens[unit_cursor].folded in ADJECTIVES:
                unit_cursor += 1
        unit = _unit_at(tokens, unit_cursor)
        if unit is None:
            unit = _unit_before_parenthesis(sentence, tokens, index, cursor)
            if unit is None:
                index = max(cursor, index + 1)
                continue
            unit_name, end = unit, tokens[cursor - 1].end
        else:
            unit_name, after = unit
            end = tokens[after - 1].end
            if singular and unit_name not in SINGULAR_UNITS:
                index = after
                continue
            cursor = after
        if PER_SESSION_RE.match(fold(sentence[end:])):
            index = max(cursor, index + 1)
            continue
        found.append(
            (
                start,
                end,
                {
                    "quantity": value,
                    "quantity_max": maximum,
                    "approximate": approximate,
                    "unit": unit_name,
                    "period": _period_after(sentence, end),
                },
            )
        )
        index = max(cursor, index + 1)
    targets = []
    for position, (start, _end, fields) in enumerate(found):
        segment_start = start if position else 0
        segment_end = found[position + 1][0] if position + 1 < len(found) else len(sentence)
        fields["format"] = _format_of(sentence[segment_start:segment_end], fields["unit"])
        targets.append(ParsedTarget(source=sentence, **fields))
    return targets


def _unit_before_parenthesis(sentence, tokens, index, cursor):
    """ "appels à contribution de l'ANCT (1 à 2/an)": the unit stands before."""
    if index == 0 or tokens[index - 1].text != "(":
        return None
    if _period_after(sentence, tokens[cursor - 1].end) == "total":
        return None
    for back in range(index - 2, max(-1, index - 12), -1):
        if tokens[back].text in (":", ";", "(", ")"):
            return None
        unit = _unit_at(tokens, back)
        if unit is not None:
            return unit[0]
    return None


def targets_from_list(heading: str, items: list[str]) -> ParsedTarget | None:
    """ "Des webinaires" followed by N bullets: N webinaires."""
    match = re.match(r"^(?:des|les|plusieurs)\s+(\w+)\s*:?\s*$", clean_inline(heading), re.IGNORECASE)
    if not match or len(items) < 2:
        return None
    unit = UNIT_WORDS.get(fold(match.group(1)))
    if unit is None:
        return None
    source = f"{clean_inline(heading).rstrip(' :')} : " + " ; ".join(clean_inline(i) for i in items)
    return ParsedTarget(quantity=len(items), unit=unit, source=source, format=_format_of(source, unit))


# --- Calendar windows, deliverables, partners ----------------------------------------

MONTHS = {
    "janvier": 1,
    "fevrier": 2,
    "mars": 3,
    "avril": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "aout": 8,
    "septembre": 9,
    "octobre": 10,
    "novembre": 11,
    "decembre": 12,
}
_MONTH = r"(janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[uû]t|septembre|octobre|novembre|d[ée]cembre)"
_YEAR = r"(20\d\d)"
WINDOW_RANGE_RE = re.compile(
    rf"\b{_MONTH}(?:\s+{_YEAR})?\s*(?:à|a|au|-|–|—|et|/)?\s*{_MONTH}\s+{_YEAR}(?!\d)", re.IGNORECASE
)
WINDOW_MONTH_RE = re.compile(rf"\b{_MONTH}\s+{_YEAR}(?!\d)", re.IGNORECASE)
WINDOW_PART_RE = re.compile(
    r"\b(printemps|été|ete|automne|hiver|début|debut|fin|courant|l'année|1er semestre|premier semestre"
    rf"|2nd semestre|2e semestre|second semestre|deuxième semestre)\s+(?:de\s+l'année\s+)?{_YEAR}(?!\d)",
    re.IGNORECASE,
)
PARTS = {
    "printemps": (3, 6),
    "ete": (6, 9),
    "automne": (9, 12),
    "hiver": (1, 3),
    "debut": (1, 3),
    "fin": (10, 12),
    "courant": (1, 12),
    "l annee": (1, 12),
    "1er semestre": (1, 6),
    "premier semestre": (1, 6),
    "2nd semestre": (7, 12),
    "2e semestre": (7, 12),
    "second semestre": (7, 12),
    "deuxieme semestre": (7, 12),
}


def extract_windows(text: str, year: int | None = None) -> list[ParsedWindow]:
    """Calendar windows ("Février à juin 2025", "printemps 2025", "2nd semestre 2025").

    Windows ending before the programme's year are history, not calendar.
    """
    text = clean_inline(text)
    windows = []
    taken = []

    def free(match):
        return all(match.end() <= s or match.start() >= e for s, e in taken)

    for match in WINDOW_RANGE_RE.finditer(text):
        start_year = int(match.group(2)) if match.group(2) else int(match.group(4))
        windows.append(
            (
                match.start(),
                ParsedWindow(
                    label=match.group(0),
                    start_month=MONTHS[fold(match.group(1))],
                    end_month=MONTHS[fold(match.group(3))],
                    start_year=start_year,
                    end_year=int(match.group(4)),
                ),
            )
        )
        taken.append(match.span())
    for match in WINDOW_MONTH_RE.finditer(text):
        if free(match):
            month = MONTHS[fold(match.group(1))]
            y = int(match.group(2))
            windows.append((match.start(), ParsedWindow(match.group(0), month, month, y, y)))
            taken.append(match.span())
    for match in WINDOW_PART_RE.finditer(text):
        if free(match):
            start, end = PARTS[fold(match.group(1))]
            y = int(match.group(2))
            label = match.group(0)
            before = text[: match.start()].rstrip()
            if label.lower().startswith("l'année") and before.lower().endswith("en continu sur"):
                label = "en continu sur " + label
            windows.append((match.start(), ParsedWindow(label, start, end, y, y)))
            taken.append(match.span())
    windows.sort(key=lambda pair: pair[0])
    out = []
    for _, window in windows:
        if year is not None and window.end_year is not None and window.end_year < year:
            continue
        window.label = window.label[:1].upper() + window.label[1:]
        out.append(window)
    return out


DELIVERABLE_PATTERNS = (
    (re.compile(r"\binfographies?\b", re.I), "infographie"),
    (re.compile(r"\bsynth[èe]ses?(?: finales?)?\b", re.I), "synthese"),
    (re.compile(r"\bkits? (?:p[ée]dagogiques?|de sensibilisation|m[ée]thodologiques?)\b", re.I), "kit"),
    (re.compile(r"\bfiches? (?:ressources|m[ée]thodologiques?|pratiques)\b", re.I), "fiche"),
    (
        re.compile(r"\bnum[ée]ro de la revue [^,.;(]+?(?=\s+(?:d[ée]but|fin|en|courant)\s+20\d\d|[,.;(]|$)", re.I),
        "publication",
    ),
)
PAST_RE = re.compile(r"\b(a|ont|avait|avaient) (été|[a-zéè]+é(e)?s?)\b", re.I)


def extract_deliverables(sentence: str, year: int | None = None) -> list[ParsedDeliverable]:
    sentence = clean_inline(sentence)
    if _is_past_or_optional(sentence, year) or PAST_RE.search(sentence):
        return []
    out = []
    for pattern, kind in DELIVERABLE_PATTERNS:
        for match in pattern.finditer(sentence):
            label = match.group(0).strip()
            out.append(ParsedDeliverable(kind=kind, label=label[:1].upper() + label[1:]))
    return out


PARTNERS = (
    (r"\bC2RP\b", "C2RP, Carif-Oref des Hauts-de-France", "C2RP"),
    (r"\bDRAC\b", "Direction régionale des affaires culturelles", "DRAC"),
    (
        r"\bURH\b|(?i:union r[ée]gionale (?:de l'|pour l')?habitat)",
        "Union régionale pour l'habitat Hauts-de-France",
        "URH",
    ),
    (r"\bMEL\b|(?i:m[ée]tropole europ[ée]enne de Lille)", "Métropole européenne de Lille", "MEL"),
    (r"universit[ée] de Lille", "Université de Lille", ""),
    (r"Banque des territoires", "Banque des territoires", ""),
    (r"\bANCT\b", "Agence nationale de la cohésion des territoires", "ANCT"),
    (r"avec (?:le |la |l')?SGAR\b", "Secrétariat général pour les affaires régionales", "SGAR"),
    (r"\bUSH\b", "Union sociale pour l'habitat", "USH"),
    (r"\bANRU\b", "Agence nationale pour la rénovation urbaine", "ANRU"),
    (r"\bCROS\b", "Comité régional olympique et sportif", "CROS"),
    (r"\bDRAJES\b", "Délégation régionale académique à la jeunesse, à l'engagement et aux sports", "DRAJES"),
    (r"\bDRDFE\b", "Délégation régionale aux droits des femmes et à l'égalité", "DRDFE"),
    (r"Fondation de France", "Fondation de France", ""),
    (r"\bDilcrah\b", "Dilcrah", "Dilcrah"),
    (r"France urbaine", "France urbaine", ""),
    (r"Intercommunalit[ée]s de France", "Intercommunalités de France", ""),
    (r"\bIRTS\b", "IRTS Hauts-de-France", "IRTS"),
    (r"Conseil r[ée]gional", "Conseil régional Hauts-de-France", ""),
)
# Acronyms are matched in capitals only ("MEL", not "mel"); names in any case.
_PARTNER_RES = [(re.compile(p, 0 if re.search(r"[A-Z]{3}", p) else re.I), n, s) for p, n, s in PARTNERS]


def extract_partners(text: str) -> list[ParsedPartner]:
    text = clean_inline(text)
    found = []
    for pattern, name, short in _PARTNER_RES:
        match = pattern.search(text)
        if match:
            found.append((match.start(), ParsedPartner(name=name, short_name=short)))
    found.sort(key=lambda pair: pair[0])
    return [p for _, p in found]


# --- The document -----------------------------------------------------------------


def _toc_entry(line: str):
    match = TOC_RE.match(line.strip())
    if not match:
        return None
    title = match.group("title")
    axis = AXIS_RE.match(title)
    if axis and roman_to_int(axis.group("roman")):
        return TocEntry(
            "axis", _strip_title(axis.group("title")), int(match.group("page")), roman_to_int(axis["roman"])
        )
    action = ACTION_RE.match(title)
    if action:
        return TocEntry("action", _strip_title(action.group("title")), int(match.group("page")), int(action["num"]))
    return TocEntry("other", _strip_title(title), int(match.group("page")))


def _find_toc(lines):
    """(start, end) of the table of contents: the first run of page-numbered lines."""
    start = None
    end = None
    count = 0
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        if _toc_entry(line):
            if start is None:
                start = index
            end = index + 1
            count += 1
        elif start is not None:
            break
        elif AXIS_RE.match(line.strip()) and roman_to_int(AXIS_RE.match(line.strip())["roman"]):
            return None
    if start is None or count < 3:
        return None
    return start, end


def parse_lines(lines: list[str], year: int | None = None) -> ParsedProgramme:
    """Parse a programme given as lines (text file lines or `.docx` paragraphs)."""
    lines = [line.rstrip("\r\n") for line in lines]
    if not any(line.strip() for line in lines):
        raise ParseError("le fichier est vide.")
    toc_span = _find_toc(lines)
    toc = []
    if toc_span:
        toc = [e for e in (_toc_entry(line) for line in lines[toc_span[0] : toc_span[1]]) if e]
        preamble = lines[: toc_span[0]]
        body_start = toc_span[1]
    else:
        preamble = []
        body_start = 0
    outline = {fold(e.title): e.title for e in toc if e.kind in ("axis", "action")}
    toc_actions = {fold(e.title) for e in toc if e.kind == "action"}
    vocabulary = Vocabulary(lines)

    title = ""
    for line in preamble + lines[body_start:]:
        text = clean_inline(line)
        if text and text.lower() not in ("sommaire", "table des matières"):
            title = text
            break
    if year is None:
        match = YEAR_RE.search(title)
        year = int(match.group()) if match else None

    axes: list[ParsedAxis] = []
    intro_lines: list[str] = []
    block: list[tuple[int, str]] = []  # lines of the current axis or action
    current_axis: ParsedAxis | None = None
    current_action: ParsedAction | None = None
    seen_title = not toc_span

    def close():
        if current_action is not None:
            _fill_action(current_action, block, year)
        elif current_axis is not None:
            _fill_axis(current_axis, block)

    for index in range(body_start, len(lines)):
        raw = lines[index]
        stripped = raw.strip()
        line_number = index + 1
        axis_match = AXIS_RE.match(stripped)
        if axis_match and len(stripped) <= 250:
            number = roman_to_int(axis_match.group("roman"))
            if number and (not axes or number > axes[-1].number):
                close()
                block = []
                current_action = None
                current_axis = ParsedAxis(
                    number=number,
                    roman=axis_match.group("roman"),
                    title=display_title(axis_match.group("title"), outline, vocabulary),
                    line=line_number,
                )
                axes.append(current_axis)
                continue
        action_match = ACTION_RE.match(stripped)
        if current_axis is not None and action_match and _is_action_heading(action_match, toc_actions):
            close()
            block = []
            current_action = ParsedAction(
                number=int(action_match.group("num")),
                position=len(current_axis.actions) + 1,
                title=display_title(action_match.group("title"), outline, vocabulary),
                title_as_written=_strip_title(action_match.group("title")),
                line=line_number,
            )
            current_axis.actions.append(current_action)
            continue
        if current_axis is None:
            if not seen_title and clean_inline(stripped) == title:
                seen_title = True
                continue
            if stripped.lower() != "introduction" and clean_inline(stripped) != title:
                intro_lines.append(raw)
            continue
        block.append((line_number, raw))
    close()

    if not axes:
        raise ParseError(
            "aucun axe en chiffres romains (« I », « II- », « IV – »…) n'a été trouvé : "
            "ce fichier ne ressemble pas à un programme."
        )
    return ParsedProgramme(title=title, year=year, intro=_join(intro_lines), axes=axes, toc=toc)


def _is_action_heading(match, toc_actions) -> bool:
    title = _strip_title(match.group("title"))
    if len(title) > 250 or title.endswith((";", ",")):
        return False
    if fold(title) in toc_actions or _is_upper(title):
        return True
    if "." not in match.group("sep") and ")" not in match.group("sep") and "\t" not in match.group("sep"):
        return False  # "3 rencontres de réseau…" is a sentence, not a heading
    if toc_actions:
        return False  # with an outline, mixed-case numbered lines must match it
    return len(title.split()) <= 25


def _join(lines) -> str:
    text = "\n".join(clean_inline(line) if not _bullet(line) else "- " + clean_inline(_bullet(line)) for line in lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


OBJECTIVES_RE = re.compile(
    r"^(?:les |l'|l’|avec (?:deux|trois|quatre) |nos )?objectifs?\b(?P<rest>.*)$",
    re.IGNORECASE,
)
PUBLICS_RE = re.compile(r"^publics?\b[^:]*:(?P<rest>.*)$", re.IGNORECASE)
DESTINATION_RE = re.compile(
    r"\bà destination (?:de la |de l'|des |du |de )(?P<who>[^,;.(]+?)(?=\s+(?:sont|est|pour|afin|en lien)\b|[,;.(]|$)",
    re.IGNORECASE,
)


def _collect_list(block, start):
    """Bullets following block[start] (blank lines allowed between them)."""
    items = []
    for _, line in block[start + 1 :]:
        if not line.strip():
            continue
        item = _bullet(line)
        if item is None:
            break
        items.append(clean_inline(item))
    return items


def _objectives(block) -> list[str]:
    objectives = []
    for index, (_, line) in enumerate(block):
        text = clean_inline(line)
        if _bullet(line) is not None:
            continue
        match = OBJECTIVES_RE.match(text)
        if not match:
            continue
        rest = match.group("rest").strip()
        if rest.endswith(":") or not rest or rest in (":",):
            objectives.extend(_collect_list(block, index))
        elif rest.startswith(":"):
            objectives.append(rest[1:].strip())
        else:
            objectives.append(text)
    return objectives


def _fill_axis(axis: ParsedAxis, block):
    axis.description = _join([line for _, line in block])
    axis.objectives = _objectives(block)


def _fill_action(action: ParsedAction, block, year):
    lines = [line for _, line in block]
    action.description = _join(lines)
    action.objectives = _objectives(block)
    publics = []
    for index, (_, line) in enumerate(block):
        text = clean_inline(_bullet(line) or line)
        match = PUBLICS_RE.match(text)
        if match:
            if match.group("rest").strip():
                publics.append(match.group("rest").strip())
            publics.extend(_collect_list(block, index))
        for dest in DESTINATION_RE.finditer(text):
            publics.append(dest.group("who").strip())
    action.publics = list(dict.fromkeys(p for p in publics if p))
    full = "\n".join(clean_inline(line) for line in lines)
    action.partners = extract_partners(full)
    action.calendar = []
    for _, line in block:
        for window in extract_windows(line, year):
            if all(fold(window.label) != fold(w.label) for w in action.calendar):
                action.calendar.append(window)
    deliverables = []
    targets = []
    for index, (_, line) in enumerate(block):
        text = _bullet(line) or line
        if not text.strip():
            continue
        listed = targets_from_list(text, _collect_list(block, index)) if _bullet(line) is None else None
        if listed is not None:
            targets.append(listed)
            continue
        for sentence in split_sentences(clean_inline(text)):
            targets.extend(extract_targets(sentence, year))
            for item in extract_deliverables(sentence, year):
                if all((item.kind, fold(item.label)) != (d.kind, fold(d.label)) for d in deliverables):
                    deliverables.append(item)
    action.deliverables = deliverables
    action.targets = targets
