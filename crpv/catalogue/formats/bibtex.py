"""BibTeX, read and written with bibtexparser 2.

bibtexparser keeps going after a syntax error and returns the broken blocks
apart (`failed_blocks`), each reported here at its position among the entries.
LaTeX accents are decoded (`{\\'e}` → é); a name in braces is an organisation.
"""

import re

import bibtexparser
from bibtexparser import middlewares
from pylatexenc.latex2text import LatexNodes2Text

from .base import ParsedAuthor, ParsedLink, ParsedRecord, ParseResult, clean, finish, year_from
from .ris import decode_text

FORMAT = "bibtex"

TYPE_FROM_BIBTEX = {
    "book": "ouvrage",
    "booklet": "litterature_grise",
    "inbook": "chapitre",
    "incollection": "chapitre",
    "article": "article",
    "periodical": "revue",
    "techreport": "rapport",
    "report": "rapport",
    "phdthesis": "these",
    "mastersthesis": "these",
    "thesis": "these",
    "unpublished": "litterature_grise",
    "manual": "fiche",
    "online": "site_web",
    "video": "video",
    "audio": "podcast",
    "misc": "litterature_grise",
}
TYPE_TO_BIBTEX = {
    "ouvrage": "book",
    "chapitre": "incollection",
    "article": "article",
    "revue": "periodical",
    "numero": "periodical",
    "rapport": "techreport",
    "litterature_grise": "unpublished",
    "these": "phdthesis",
    "fiche": "manual",
    "kit": "misc",
    "rex": "misc",
    "infographie": "misc",
    "video": "misc",
    "podcast": "misc",
    "site_web": "online",
}


_LATEX = LatexNodes2Text()


def _decode(text):
    try:
        return clean(_LATEX.latex_to_text(text))
    except Exception:  # pylatexenc on odd input: keep the text without braces
        return clean(text.replace("{", "").replace("}", ""))


def _names(value, role):
    """'Dupont, Jean', 'Jean Dupont' or '{Agence nationale…}' (an organisation, in braces)."""
    out = []
    for name in value if isinstance(value, list) else [value]:
        name = str(name).strip()
        if name.startswith("{") and name.endswith("}"):
            out.append(ParsedAuthor(name=_decode(name[1:-1]), is_organisation=True, role=role))
        elif "," in name:
            last, _, given = name.partition(",")
            out.append(ParsedAuthor(name=_decode(last), forename=_decode(given), role=role))
        else:
            *given, last = name.split() or [""]
            out.append(ParsedAuthor(name=_decode(last), forename=_decode(" ".join(given)), role=role))
    return [a for a in out if a.name]


def _value(fields, key):
    value = fields.get(key)
    if value is None:
        return ""
    text = value.value if hasattr(value, "value") else value
    return _decode(str(text))


def _entry_to_parsed(position, entry):
    fields = {f.key.lower(): f for f in entry.fields}
    p = ParsedRecord(position=position, source_id=entry.key)
    p.record_type = TYPE_FROM_BIBTEX.get(entry.entry_type.lower(), "ouvrage")
    p.title = _value(fields, "title")
    p.subtitle = _value(fields, "subtitle")
    author = fields.get("author")
    if author is not None:
        p.authors.extend(_names(author.value, "auteur"))
    editor = fields.get("editor")
    if editor is not None and p.record_type not in ("article", "chapitre"):
        p.authors.extend(_names(editor.value, "directeur"))
    p.publisher = _value(fields, "publisher") or _value(fields, "institution") or _value(fields, "school")
    p.place = _value(fields, "address") or _value(fields, "location")
    p.date_text = _value(fields, "year") or _value(fields, "date")
    p.year = year_from(p.date_text)
    p.edition = _value(fields, "edition")
    p.series = _value(fields, "series")
    p.host_title = _value(fields, "journal") or _value(fields, "booktitle")
    volume, number = _value(fields, "volume"), _value(fields, "number")
    p.part = ", ".join(v for v in (volume and f"vol. {volume}", number and f"n° {number}") if v)
    p.extent = _value(fields, "pages")
    p.isbn = _value(fields, "isbn")
    if p.record_type in ("revue", "numero"):
        p.issn = _value(fields, "issn")
    p.language = _value(fields, "langid")[:3] or {"french": "fre", "francais": "fre", "english": "eng"}.get(
        _value(fields, "language").lower(), ""
    )
    p.abstract = _value(fields, "abstract")
    p.notes = _value(fields, "note")
    keywords = _value(fields, "keywords")
    p.keywords = [k.strip() for k in re.split(r"[;,]", keywords) if k.strip()] if keywords else []
    url = _value(fields, "url")
    if url:
        p.links.append(ParsedLink(url=url))
    return p


def parse(data):
    result = ParseResult(format=FORMAT)
    text, result.encoding = decode_text(data or b"")
    try:
        library = bibtexparser.parse_string(
            text,
            append_middleware=[middlewares.SeparateCoAuthors()],
        )
    except Exception as exc:
        result.error(0, f"fichier BibTeX illisible ({exc.__class__.__name__})")
        return result
    position = 0
    for block in library.blocks:
        kind = type(block).__name__
        if kind == "Entry":
            position += 1
            try:
                parsed = _entry_to_parsed(position, block)
            except Exception as exc:
                result.error(position, f"entrée BibTeX illisible ({exc.__class__.__name__})")
                continue
            finish(parsed, result)
        elif "Failed" in kind:
            position += 1
            line = getattr(block, "start_line", None)
            where = f" (ligne {line + 1})" if isinstance(line, int) else ""
            reason = str(getattr(block, "error", "")).split("\n")[0]
            if "Duplicate" in type(block).__name__:
                reason = "clé d'entrée en double"
            result.error(position, f"erreur de syntaxe BibTeX{where} : {_french(reason)}")
    result.count = position
    if position == 0:
        result.error(0, "aucune entrée BibTeX trouvée")
    return result


def _french(reason):
    if "Unexpected block start" in reason or "closing" in reason:
        return "accolade ou guillemet non fermé"
    if "Duplicate" in reason or "double" in reason:
        return "clé d'entrée en double"
    return "entrée mal formée"


def _escape(value):
    return value.replace("\\", "").replace("{", "").replace("}", "")


def _key(p, used):
    base = re.sub(r"[^A-Za-z0-9]", "", (p.authors[0].name if p.authors else p.title)[:20]) or "notice"
    key = f"{base}{p.year or ''}"
    n = 1
    while key in used:
        n += 1
        key = f"{base}{p.year or ''}{chr(96 + n) if n < 27 else n}"
    used.add(key)
    return key


def write(records):
    used = set()
    chunks = []
    for p in records:
        key = p.source_id if p.source_id and re.fullmatch(r"[A-Za-z0-9_:.-]+", p.source_id) else _key(p, used)
        used.add(key)
        fields = [("title", p.title), ("subtitle", p.subtitle)]
        people = [a for a in p.authors if a.role not in ("directeur", "editeur_scientifique")]
        editors = [a for a in p.authors if a.role in ("directeur", "editeur_scientifique")]

        def names(authors):
            return " and ".join(f"{{{_escape(a.name)}}}" if a.is_organisation else _escape(a.display) for a in authors)

        fields += [("author", names(people)), ("editor", names(editors))]
        host_key = "journal" if p.record_type == "article" else "booktitle"
        fields += [
            (host_key, p.host_title),
            ("publisher", p.publisher),
            ("address", p.place),
            ("year", str(p.year) if p.year else ""),
            ("edition", p.edition),
            ("series", p.series),
            ("pages", p.extent),
            ("isbn", p.isbn),
            ("issn", p.issn),
            ("langid", p.language),
            ("abstract", p.abstract),
            ("note", p.notes),
            ("keywords", ", ".join([*p.subjects, *p.keywords])),
            ("url", p.links[0].url if p.links else ""),
        ]
        body = ",\n".join(
            f"  {name} = {{{value if name in ('author', 'editor') else _escape(value)}}}"
            for name, value in fields
            if value
        )
        chunks.append(f"@{TYPE_TO_BIBTEX.get(p.record_type, 'misc')}{{{key},\n{body}\n}}\n")
    return "\n".join(chunks).encode("utf-8")
