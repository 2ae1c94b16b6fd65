"""CSV as spreadsheets write it: UTF-8 (with or without BOM) or Windows-1252, `;`, `,` or tab.

One row per record, French headers (case and accents ignored). Multi-valued
cells (auteurs, sujets, mots-clés, liens) separate values with `|`. An author
written « Nom, Prénom » is a person, anything else an organisation; « (dir.) »
after a name makes its role « directeur ».
"""

import csv
import io
import re

from crpv.core.text import fold

from .base import (
    RECORD_TYPES,
    ParsedAuthor,
    ParsedCopy,
    ParsedLink,
    ParsedRecord,
    ParseResult,
    clean,
    finish,
    year_from,
)

FORMAT = "csv"

COLUMNS = [
    ("type", "type", ("type de document",)),
    ("title", "titre", ()),
    ("subtitle", "sous-titre", ("complement du titre",)),
    ("authors", "auteurs", ("auteur", "responsabilites")),
    ("publisher", "éditeur", ("editeurs",)),
    ("place", "lieu", ("lieu d'edition",)),
    ("year", "année", ("date", "annee de publication")),
    ("isbn", "ISBN", ()),
    ("issn", "ISSN", ()),
    ("language", "langue", ()),
    ("series", "collection", ()),
    ("extent", "pagination", ("collation",)),
    ("abstract", "résumé", ()),
    ("subjects", "sujets", ("descripteurs",)),
    ("keywords", "mots-clés", ("mots cles libres",)),
    ("links", "liens", ("url", "lien")),
    ("call_number", "cote", ()),
    ("source_id", "identifiant", ("id",)),
]
_TYPE_BY_LABEL = {fold(label): code for code, label in RECORD_TYPES.items()} | {fold(c): c for c in RECORD_TYPES}
_FORMULA = re.compile(r"^'(?=[=+\-@\t\r])")


def decode_text(data):
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "cp1252"


def _delimiter(text):
    head = text.split("\n", 1)[0]
    counts = {d: head.count(d) for d in (";", "\t", ",")}
    return max(counts, key=counts.get) if any(counts.values()) else ";"


def _author(text):
    text = clean(text)
    role = "auteur"
    if re.search(r"\((dir|éd|ed|coord)\.?\)\s*$", text):
        role = "directeur"
        text = re.sub(r"\s*\([^)]*\)\s*$", "", text)
    if "," in text:
        surname, _, forename = text.partition(",")
        return ParsedAuthor(name=surname.strip(), forename=forename.strip(), role=role)
    return ParsedAuthor(name=text, is_organisation=True, role=role)


def _many(value):
    return [clean(v) for v in (value or "").split("|") if clean(v)]


def parse(data):
    result = ParseResult(format=FORMAT)
    text, result.encoding = decode_text(data or b"")
    if not text.strip():
        result.error(0, "fichier vide")
        return result
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text)))
    except csv.Error as exc:
        result.error(0, f"CSV illisible ({exc})")
        return result
    headers = rows[0]
    index = {}
    for key, label, aliases in COLUMNS:
        names = {fold(label), *(fold(a) for a in aliases)}
        for i, header in enumerate(headers):
            if fold(header) in names and key not in index:
                index[key] = i
    if "title" not in index:
        result.error(0, "colonne « titre » absente de la première ligne")
        return result
    position = 0
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        position += 1
        result.count = position

        def cell(key, row=row):
            i = index.get(key)
            return _FORMULA.sub("", row[i].strip()) if i is not None and i < len(row) else ""

        p = ParsedRecord(position=position)
        raw_type = cell("type")
        if raw_type:
            code = _TYPE_BY_LABEL.get(fold(raw_type))
            if code is None:
                result.error(position, f"ligne {line} : type de document inconnu « {raw_type} »")
                continue
            p.record_type = code
        p.title = cell("title")
        p.subtitle = cell("subtitle")
        p.authors = [_author(a) for a in _many(cell("authors"))]
        p.publisher, p.place = cell("publisher"), cell("place")
        p.date_text = cell("year")
        p.year = year_from(p.date_text)
        p.isbn, p.issn = cell("isbn"), cell("issn")
        p.language = cell("language")[:3]
        p.series, p.extent, p.abstract = cell("series"), cell("extent"), cell("abstract")
        p.subjects, p.keywords = _many(cell("subjects")), _many(cell("keywords"))
        p.links = [ParsedLink(url=u) for u in _many(cell("links"))]
        p.source_id = cell("source_id")
        if cell("call_number"):
            p.copies = [ParsedCopy(call_number=cell("call_number"))]
        if not p.title:
            result.error(position, f"ligne {line} : titre absent")
            continue
        finish(p, result)
    return result


def _neutralise(value):
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def write(records):
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow([label for _, label, _ in COLUMNS])
    for p in records:

        def author(a):
            suffix = " (dir.)" if a.role in ("directeur", "editeur_scientifique") else ""
            return (f"{a.name}, {a.forename}" if a.forename else a.name) + suffix

        values = {
            "type": RECORD_TYPES.get(p.record_type, p.record_type),
            "title": p.title,
            "subtitle": p.subtitle,
            "authors": " | ".join(author(a) for a in p.authors),
            "publisher": p.publisher,
            "place": p.place,
            "year": str(p.year) if p.year else p.date_text,
            "isbn": p.isbn,
            "issn": p.issn,
            "language": p.language,
            "series": p.series,
            "extent": p.extent,
            "abstract": p.abstract,
            "subjects": " | ".join(p.subjects),
            "keywords": " | ".join(p.keywords),
            "links": " | ".join(link.url for link in p.links),
            "call_number": p.copies[0].call_number if p.copies else "",
            "source_id": p.source_id,
        }
        writer.writerow([_neutralise(values[key]) for key, _, _ in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
