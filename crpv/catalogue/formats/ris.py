"""RIS (Zotero, EndNote, Cairn, HAL…), read and written with rispy.

The file is cut into records at `TY  -` / `ER  -` lines first, so that one bad
record is reported at its position and the others are read. Unknown tags are
kept as notices on the record, never an error.
"""

import re

import rispy

from .base import ParsedAuthor, ParsedLink, ParsedRecord, ParseResult, clean, finish, first, year_from

FORMAT = "ris"

TYPE_FROM_RIS = {
    "BOOK": "ouvrage",
    "EBOOK": "ouvrage",
    "EDBOOK": "ouvrage",
    "CHAP": "chapitre",
    "ECHAP": "chapitre",
    "JOUR": "article",
    "EJOUR": "article",
    "MGZN": "article",
    "NEWS": "article",
    "JFULL": "revue",
    "SER": "revue",
    "RPRT": "rapport",
    "GOVDOC": "rapport",
    "GEN": "litterature_grise",
    "UNPB": "litterature_grise",
    "MANSCPT": "litterature_grise",
    "THES": "these",
    "VIDEO": "video",
    "MPCT": "video",
    "SOUND": "podcast",
    "MUSIC": "podcast",
    "FIGURE": "infographie",
    "MAP": "infographie",
    "ELEC": "site_web",
    "WEB": "site_web",
    "BLOG": "site_web",
}
TYPE_TO_RIS = {
    "ouvrage": "BOOK",
    "chapitre": "CHAP",
    "article": "JOUR",
    "revue": "JFULL",
    "numero": "JFULL",
    "rapport": "RPRT",
    "litterature_grise": "GEN",
    "these": "THES",
    "fiche": "GEN",
    "kit": "GEN",
    "rex": "GEN",
    "infographie": "FIGURE",
    "video": "VIDEO",
    "podcast": "SOUND",
    "site_web": "ELEC",
}
_TAG_LINE = re.compile(r"^([A-Z][A-Z0-9])  -(?: (.*))?$")


def _split(text):
    """Yield (position, [lines]) for each TY … ER block; lines outside blocks are skipped."""
    position = 0
    current = None
    for line in text.splitlines():
        match = _TAG_LINE.match(line.rstrip())
        tag = match.group(1) if match else None
        if tag == "TY":
            if current is not None:
                yield position, current, False
            position += 1
            current = [line.rstrip()]
        elif current is not None:
            current.append(line.rstrip())
            if tag == "ER":
                yield position, current, True
                current = None
    if current is not None:
        yield position, current, False


def _person(value, role="auteur"):
    value = clean(value)
    surname, _, forename = value.partition(",")
    return ParsedAuthor(name=surname.strip(), forename=forename.strip(), role=role)


def _entry_to_parsed(position, entry):
    p = ParsedRecord(position=position)
    ris_type = (entry.get("type_of_reference") or "").strip().upper()
    p.record_type = TYPE_FROM_RIS.get(ris_type, "ouvrage")
    if ris_type and ris_type not in TYPE_FROM_RIS:
        p.warnings.append(f"type RIS « {ris_type} » inconnu, lu comme « ouvrage »")
    p.source_id = clean(entry.get("id", ""))
    p.title = clean(first([entry.get("title"), entry.get("primary_title"), entry.get("short_title")]))
    host = clean(first([entry.get("secondary_title"), entry.get("journal_name"), entry.get("alternate_title3")]))
    if p.record_type in ("article", "chapitre"):
        p.host_title = host
    elif host:
        p.series = host
    for name in entry.get("authors", []) + entry.get("first_authors", []):
        p.authors.append(_person(name))
    for name in entry.get("secondary_authors", []):
        if p.record_type in ("article", "chapitre"):
            continue  # editors of the host
        p.authors.append(_person(name, "directeur"))
    p.publisher = clean(entry.get("publisher", ""))
    p.place = clean(entry.get("place_published", ""))
    p.date_text = clean(first([entry.get("year"), entry.get("publication_year"), entry.get("date")]))
    p.year = year_from(p.date_text)
    p.date_text = p.date_text.strip("/")
    p.edition = clean(entry.get("edition", ""))
    p.abstract = clean(first([entry.get("abstract"), entry.get("notes_abstract")]))
    p.notes = "\n".join(clean(n) for n in entry.get("notes", []) if n)
    p.language = clean(entry.get("language", ""))[:3]
    p.keywords = [clean(k) for k in entry.get("keywords", [])]
    volume, issue = clean(entry.get("volume", "")), clean(entry.get("number", ""))
    p.part = ", ".join(v for v in (volume and f"vol. {volume}", issue and f"n° {issue}") if v)
    pages = "-".join(v for v in (clean(entry.get("start_page", "")), clean(entry.get("end_page", ""))) if v)
    p.extent = f"p. {pages}" if pages and p.record_type in ("article", "chapitre") else pages
    serial = clean(entry.get("issn", ""))
    if serial:
        digits = re.sub(r"[^0-9Xx]", "", serial)
        if len(digits) == 8:
            if p.record_type in ("revue", "numero"):
                p.issn = serial
        else:
            p.isbn = serial
    for url in entry.get("urls", []):
        if url:
            p.links.append(ParsedLink(url=clean(url)))
    p.source_id = p.source_id or clean(entry.get("accession_number", ""))
    unknown = entry.get("unknown_tag") or {}
    if unknown:
        p.warnings.append(f"balises RIS ignorées : {', '.join(sorted(unknown))}")
    return p


def decode_text(data):
    """RIS files come in UTF-8 (with or without BOM) or Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def parse(data):
    result = ParseResult(format=FORMAT)
    text, result.encoding = decode_text(data or b"")
    for position, lines, closed in _split(text):
        result.count = position
        if not closed:
            result.error(position, "notice RIS sans fin (« ER  - » manquant)")
            continue
        try:
            entries = rispy.loads("\n".join(lines))
        except Exception as exc:
            result.error(position, f"notice RIS illisible ({exc.__class__.__name__})")
            continue
        if len(entries) != 1:
            result.error(position, "notice RIS illisible")
            continue
        try:
            parsed = _entry_to_parsed(position, entries[0])
        except Exception as exc:
            result.error(position, f"notice RIS illisible ({exc.__class__.__name__})")
            continue
        finish(parsed, result)
    if result.count == 0:
        result.error(0, "aucune notice RIS trouvée (chaque notice commence par « TY  - »)")
    return result


def to_entry(p):
    entry = {"type_of_reference": TYPE_TO_RIS.get(p.record_type, "GEN"), "title": p.title}
    if p.subtitle:
        entry["title"] = f"{p.title} : {p.subtitle}"
    if p.source_id:
        entry["id"] = p.source_id
    persons = [a for a in p.authors if a.role not in ("directeur", "editeur_scientifique")]
    editors = [a for a in p.authors if a.role in ("directeur", "editeur_scientifique")]
    if persons:
        entry["authors"] = [a.display for a in persons]
    if editors:
        entry["secondary_authors"] = [a.display for a in editors]
    if p.host_title:
        entry["secondary_title"] = p.host_title
    elif p.series:
        entry["secondary_title"] = p.series
    for key, value in (
        ("publisher", p.publisher),
        ("place_published", p.place),
        ("year", str(p.year) if p.year else ""),
        ("edition", p.edition),
        ("abstract", p.abstract),
        ("language", p.language),
        ("issn", p.isbn or p.issn),
    ):
        if value:
            entry[key] = value
    if p.notes:
        entry["notes"] = p.notes.split("\n")
    if p.subjects or p.keywords:
        entry["keywords"] = [*p.subjects, *p.keywords]
    if p.links:
        entry["urls"] = [link.url for link in p.links]
    return entry


def write(records):
    return rispy.dumps([to_entry(p) for p in records]).encode("utf-8")
