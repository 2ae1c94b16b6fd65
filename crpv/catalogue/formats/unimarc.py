"""UNIMARC (the format of PMB, Koha France, the Sudoc), read from its own fields.

Read: 001 identifier; 010/011 ISBN/ISSN; 100$a/26-29 character set ("50  " is
UTF-8, "03" ISO 5426, "01" ISO 646); 101 language; 200 $a title (with the
non-sorting markers 0x88/0x89), $e other title, $f/$g responsibility, $h/$i
part; 205 edition; 210 or 214 $a place, $c publisher, $d date; 215 extent;
225 series; 300 notes; 327 contents; 328 thesis; 330 abstract; 461/463 host
($t title, $v numbering); 600/601/610 keywords; 606 subjects ($a $x $y $z);
607 $a places (geographic names);
700–702 persons, 710–712 organisations ($4 relator code); 856 links;
995 copies ($f barcode, $k call number, $e location, $o status, $5
acquisition date, $u note); 909 $a the record type of this platform.
Written in UTF-8 with 100$a saying so.
"""

import datetime

from . import charsets
from .base import (
    ParsedAuthor,
    ParsedCopy,
    ParsedLink,
    ParsedRecord,
    clean,
    finish,
    first,
    split_nonsort,
    with_nonsort,
    year_from,
)
from .iso2709 import write_record
from .marc import parse_iso2709

FORMAT = "unimarc"

RELATORS = {
    "070": "auteur",
    "651": "directeur",
    "340": "editeur_scientifique",
    "557": "coordinateur",
    "205": "contributeur",
    "730": "traducteur",
    "440": "illustrateur",
    "723": "commanditaire",
    "255": "intervenant",
}
RELATOR_CODES = {role: code for code, role in RELATORS.items()}

# leader/06 (type of record) and /07 (bibliographic level) of each record type.
LEADER_OF_TYPE = {
    "ouvrage": "am",
    "chapitre": "aa",
    "article": "aa",
    "revue": "as",
    "numero": "as",
    "video": "gm",
    "podcast": "im",
    "infographie": "km",
    "site_web": "li",
}


def charset_of_factory(encoding=None):
    """The character-set rule: 100$a/26-27, unless the caller forces one."""

    def charset_of(raw):
        if encoding:
            return encoding, ""
        declared, extended = "", ""
        for raw_field in raw.get("100"):
            for code, value in raw_field.subfields:
                if code == "a" and len(value) >= 28:
                    declared = value[26:28].decode("latin-1")
                    extended = value[28:30].decode("latin-1")
        if declared == "50" or raw.leader[9:10] == "a":
            return charsets.UTF8, ""
        # G0 "01" (ISO 646) with G1 "03" (ISO 5426) is the usual pre-Unicode declaration.
        if "03" in (declared, extended):
            return charsets.ISO5426, ""
        # ISO 646 (01) or undeclared: plain ASCII is fine; anything else must be guessed.
        non_ascii = any(
            not value.isascii()
            for f in raw.fields
            for value in ([f.data] if f.is_control else [v for _, v in f.subfields])
        )
        if not non_ascii:
            return charsets.UTF8, ""
        if all(
            charsets.looks_utf8(value)
            for f in raw.fields
            for value in ([f.data] if f.is_control else [v for _, v in f.subfields])
        ):
            return charsets.UTF8, "jeu de caractères non déclaré en 100$a : lu comme UTF-8"
        label = f"« {declared} »" if declared.strip() else "absent"
        raise ValueError(
            f"caractères accentués sans jeu de caractères reconnu (100$a/26-27 {label}) : "
            "précisez l'encodage du fichier (latin-1, iso-5426, marc-8 ou utf-8)"
        )

    return charset_of


def fast_charset_factory(encoding=None):
    """The same rule on the fast way (see `marc._fast_record`): None when it would warn, raise or guess."""

    def fast_charset(leader, hundreds, is_ascii):
        if encoding:
            return encoding
        declared, extended = "", ""
        for body in hundreds:
            for part in body.split(b"\x1f")[1:]:
                if part[:1] == b"a" and len(part) > 28:
                    declared = part[27:29].decode("latin-1")
                    extended = part[29:31].decode("latin-1")
        if declared == "50" or leader[9:10] == "a":
            return charsets.UTF8
        if "03" in (declared, extended):
            return charsets.ISO5426
        return charsets.UTF8 if is_ascii else None

    return fast_charset


def _author(f, is_organisation):
    role = RELATORS.get(f.get("4"), "auteur")
    if is_organisation:
        name = clean(". ".join(v for v in f.getall("a", "b") if v))
        return ParsedAuthor(name=name, is_organisation=True, role=role)
    return ParsedAuthor(name=clean(f.get("a")), forename=clean(f.get("b")), role=role, dates=clean(f.get("f")))


def to_parsed(record):
    p = ParsedRecord(position=record.position)
    p.source_id = clean(record.first("001"))
    title_field = next(iter(record.get("200")), None)
    if title_field is not None:
        p.title, p.title_nonsort = split_nonsort(title_field.get("a"))
        p.subtitle = clean(" : ".join(title_field.getall("e")))
        p.responsibility = clean(" ; ".join(title_field.getall("f", "g")))
        p.part = clean(". ".join(title_field.getall("h", "i")))
    p.isbn = record.first("010", "a")
    p.issn = record.first("011", "a")
    p.language = clean(record.first("101", "a"))[:3]
    p.edition = clean(record.first("205", "a"))
    pub = next(iter(record.get("210", "214")), None)
    if pub is not None:
        p.place = clean(pub.get("a"))
        p.publisher = clean(pub.get("c"))
        p.date_text = clean(pub.get("d"))
    general = record.first("100", "a")
    p.year = year_from(p.date_text) or (year_from(general[9:13]) if len(general) >= 13 else None)
    p.extent = clean(record.first("215", "a"))
    p.series = clean(record.first("225", "a"))
    p.series_number = clean(record.first("225", "v"))
    p.notes = "\n".join(clean(v) for v in record.values("300", "a"))
    p.contents = "\n".join(clean(v) for v in record.values("327", "a"))
    p.abstract = "\n".join(clean(v) for v in record.values("330", "a"))
    host = next(iter(record.get("463", "461")), None)
    if host is not None:
        p.host_title = clean(split_nonsort(host.get("t"))[0])
        if not p.part:
            p.part = clean(host.get("v"))
    for f in record.get("606"):
        p.subjects.extend(f.getall("a", "x", "y", "z"))
    for f in record.get("600", "601", "610"):
        p.keywords.extend(f.getall("a"))
    for f in record.get("607"):
        p.places.extend(f.getall("a"))
    for f in record.get("700", "701", "702"):
        if f.get("a"):
            p.authors.append(_author(f, False))
    for f in record.get("710", "711", "712"):
        if f.get("a"):
            p.authors.append(_author(f, True))
    for f in record.get("856"):
        if f.get("u"):
            p.links.append(ParsedLink(url=clean(f.get("u")), label=clean(first([f.get("z"), f.get("2")]))))
    for f in record.get("995"):
        p.copies.append(
            ParsedCopy(
                barcode=clean(f.get("f")),
                call_number=clean(f.get("k")),
                location=clean(first([f.get("e"), f.get("c"), f.get("b")])),
                status=clean(f.get("o")),
                acquired_on=_iso_date(f.get("5")),
                note=clean(f.get("u")),
            )
        )
    p.record_type = _record_type(record, p)
    return p


def _iso_date(value):
    value = clean(value)
    if not value:
        return ""
    try:
        return datetime.date.fromisoformat(value).isoformat()
    except ValueError:
        pass
    for fmt in ("%Y%m%d", "%d/%m/%Y"):
        try:
            return datetime.datetime.strptime(value, fmt).date().isoformat()
        except ValueError:
            continue
    return ""


def _record_type(record, p):
    local = clean(record.first("909", "a"))
    if local:
        return local
    kind, level = record.leader[6:7], record.leader[7:8]
    if record.get("328"):
        return "these"
    if level == "s":
        return "numero" if p.part or record.get("461") else "revue"
    if level == "a":
        return "article"
    return {"g": "video", "i": "podcast", "j": "podcast", "k": "infographie"}.get(kind, "ouvrage")


def parse(data, encoding=None):
    return parse_iso2709(
        data,
        fmt=FORMAT,
        charset_of=charset_of_factory(encoding),
        fast_charset=fast_charset_factory(encoding),
        to_parsed=to_parsed,
        finish=finish,
    )


# --- Writing ------------------------------------------------------------------


def general_data(p, today=None):
    """100$a: 36 characters, positions 26-29 '50  ' (UTF-8)."""
    today = today or datetime.date.today()
    year = f"{p.year:04d}" if p.year else "    "
    return f"{today:%Y%m%d}d{year}    m  y0frey50      ba"


def to_fields(p, today=None):
    sub = lambda *pairs: [(c, v) for c, v in pairs if v]  # noqa: E731
    fields = []
    if p.source_id:
        fields.append(("001", p.source_id))
    if p.isbn:
        fields.append(("010", " ", " ", [("a", p.isbn)]))
    if p.issn:
        fields.append(("011", " ", " ", [("a", p.issn)]))
    fields.append(("100", " ", " ", [("a", general_data(p, today))]))
    if p.language:
        fields.append(("101", "0", " ", [("a", p.language)]))
    title = sub(("a", with_nonsort(p.title, p.title_nonsort)), ("e", p.subtitle), ("f", p.responsibility))
    if p.part:
        title.append(("h", p.part))
    fields.append(("200", "1", " ", title))
    if p.edition:
        fields.append(("205", " ", " ", [("a", p.edition)]))
    publication = sub(("a", p.place), ("c", p.publisher), ("d", p.date_text or (str(p.year) if p.year else "")))
    if publication:
        fields.append(("214", " ", "0", publication))
    if p.extent:
        fields.append(("215", " ", " ", [("a", p.extent)]))
    if p.series:
        fields.append(("225", "2", " ", sub(("a", p.series), ("v", p.series_number))))
    for note in filter(None, p.notes.split("\n")):
        fields.append(("300", " ", " ", [("a", note)]))
    for line in filter(None, p.contents.split("\n")):
        fields.append(("327", "1", " ", [("a", line)]))
    if p.record_type == "these":
        fields.append(("328", " ", "0", [("a", "Thèse ou mémoire")]))
    for line in filter(None, p.abstract.split("\n")):
        fields.append(("330", " ", " ", [("a", line)]))
    if p.host_title:
        fields.append(("463" if p.record_type in ("article", "chapitre") else "461", " ", "1", [("t", p.host_title)]))
    for subject in p.subjects:
        fields.append(("606", " ", " ", [("a", subject), ("2", "local")]))
    for place in p.places:
        fields.append(("607", " ", " ", [("a", place)]))
    for keyword in p.keywords:
        fields.append(("610", "0", " ", [("a", keyword)]))
    persons = [a for a in p.authors if not a.is_organisation]
    organisations = [a for a in p.authors if a.is_organisation]
    for i, a in enumerate(persons):
        tag = "700" if i == 0 else ("701" if a.role == "auteur" else "702")
        fields.append(
            (
                tag,
                " ",
                "1",
                sub(("a", a.name), ("b", a.forename), ("f", a.dates), ("4", RELATOR_CODES.get(a.role, "070"))),
            )
        )
    for i, a in enumerate(organisations):
        tag = "710" if i == 0 and not persons else ("711" if a.role == "auteur" else "712")
        fields.append((tag, "0", "2", sub(("a", a.name), ("4", RELATOR_CODES.get(a.role, "070")))))
    for link in p.links:
        fields.append(("856", "4", " ", sub(("u", link.url), ("z", link.label))))
    fields.append(("909", " ", " ", [("a", p.record_type)]))
    for c in p.copies:
        fields.append(
            (
                "995",
                " ",
                " ",
                sub(
                    ("f", c.barcode),
                    ("k", c.call_number),
                    ("e", c.location),
                    ("o", c.status),
                    ("5", c.acquired_on),
                    ("u", c.note),
                ),
            )
        )
    fields.sort(key=lambda item: item[0])
    return fields


def leader_for(p):
    kind_level = LEADER_OF_TYPE.get(p.record_type, "am")
    return f"00000n{kind_level}  22      i 450 "


def write_one(p, today=None):
    return write_record(leader_for(p), to_fields(p, today))


def write(records, today=None):
    return b"".join(write_one(p, today) for p in records)
