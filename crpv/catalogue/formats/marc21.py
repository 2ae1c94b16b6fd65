"""MARC 21 bibliographic records.

Read: 001; 008/07-10 date, 008/35-37 language; 020 ISBN; 022 ISSN; 041 language;
100/110/700/710 authors ($e relator term, $4 relator code); 245 $a $b $c $n $p
(ind2 = non-filing characters); 250 edition; 260 or 264 (ind2 1) $a $b $c;
300 extent; 490 series; 500 notes; 502 thesis; 505 contents; 520 abstract;
650 subjects ($a $x $y $z); 651 $a places (geographic names), its $x $y $z
subjects; 610/600/653 keywords; 773 host; 852 copies
($p barcode, $h call number, $b location, $z note); 856 links; 909 $a our
record type. Leader/09 'a' means UTF-8, blank means MARC-8. Written in UTF-8.
"""

from . import charsets
from .base import ParsedAuthor, ParsedCopy, ParsedLink, ParsedRecord, clean, finish, first, year_from
from .iso2709 import write_record
from .marc import parse_iso2709

FORMAT = "marc21"

RELATOR_CODES = {
    "auteur": "aut",
    "directeur": "edt",
    "editeur_scientifique": "edt",
    "coordinateur": "edc",
    "contributeur": "ctb",
    "traducteur": "trl",
    "illustrateur": "ill",
    "commanditaire": "fnd",
    "intervenant": "spk",
}
RELATORS = {
    "aut": "auteur",
    "edt": "directeur",
    "edc": "coordinateur",
    "ctb": "contributeur",
    "trl": "traducteur",
    "ill": "illustrateur",
    "fnd": "commanditaire",
    "spk": "intervenant",
}
LEADER_OF_TYPE = {
    "ouvrage": "am",
    "chapitre": "aa",
    "article": "ab",
    "revue": "as",
    "numero": "as",
    "video": "gm",
    "podcast": "im",
    "infographie": "km",
    "site_web": "mi",
}


def rule_for_leader(leader, encoding=None):
    if encoding:
        return encoding
    return charsets.UTF8 if leader[9:10] == "a" else charsets.MARC8


def charset_of_factory(encoding=None):
    def charset_of(raw):
        return rule_for_leader(raw.leader, encoding), ""

    return charset_of


def _strip_punct(value):
    return clean(value).rstrip(" /:;,.=").strip()


def _author(f, is_organisation):
    code = f.get("4")
    role = RELATORS.get(code, "auteur")
    term = clean(f.get("e")).rstrip(".,").lower()
    if term.startswith(("dir", "ed")):
        role = "directeur"
    elif term.startswith(("trad", "trans")):
        role = "traducteur"
    if is_organisation:
        return ParsedAuthor(name=_strip_punct(". ".join(f.getall("a", "b"))), is_organisation=True, role=role)
    surname, _, forename = clean(f.get("a")).partition(",")
    return ParsedAuthor(
        name=_strip_punct(surname), forename=_strip_punct(forename), role=role, dates=_strip_punct(f.get("d"))
    )


def to_parsed(record):
    p = ParsedRecord(position=record.position)
    p.source_id = clean(record.first("001"))
    fixed = record.first("008")
    title = next(iter(record.get("245")), None)
    if title is not None:
        p.title = _strip_punct(title.get("a"))
        p.title_nonsort = int(title.ind2) if title.ind2.isdigit() else 0
        p.subtitle = _strip_punct(" : ".join(title.getall("b")))
        p.responsibility = _strip_punct(title.get("c"))
        p.part = _strip_punct(". ".join(title.getall("n", "p")))
    p.isbn = record.first("020", "a")
    p.issn = record.first("022", "a")
    p.language = clean(first([record.first("041", "a"), fixed[35:38] if len(fixed) >= 38 else ""])).strip()[:3]
    p.edition = _strip_punct(record.first("250", "a"))
    publication = [f for f in record.get("264") if f.ind2 == "1"] or record.get("260")
    if publication:
        p.place = _strip_punct(publication[0].get("a"))
        p.publisher = _strip_punct(publication[0].get("b"))
        p.date_text = _strip_punct(publication[0].get("c"))
    p.year = year_from(p.date_text) or (year_from(fixed[7:11]) if len(fixed) >= 11 else None)
    p.extent = clean(record.first("300", "a")).rstrip(" :;+")
    p.series = _strip_punct(record.first("490", "a"))
    p.series_number = _strip_punct(record.first("490", "v"))
    p.notes = "\n".join(clean(v) for v in record.values("500", "a"))
    p.contents = "\n".join(clean(v) for v in record.values("505", "a"))
    p.abstract = "\n".join(clean(v) for v in record.values("520", "a"))
    p.host_title = _strip_punct(record.first("773", "t"))
    for f in record.get("650", "651"):
        codes = ("x", "y", "z") if f.tag == "651" else ("a", "x", "y", "z")  # 651 $a is a place
        p.subjects.extend(_strip_punct(v) for v in f.getall(*codes))
    for f in record.get("651"):
        p.places.extend(_strip_punct(v) for v in f.getall("a"))
    for f in record.get("600", "610", "653"):
        p.keywords.extend(_strip_punct(v) for v in f.getall("a"))
    for f in record.get("100", "700"):
        if f.get("a"):
            p.authors.append(_author(f, False))
    for f in record.get("110", "710"):
        if f.get("a"):
            p.authors.append(_author(f, True))
    for f in record.get("856"):
        if f.get("u"):
            p.links.append(ParsedLink(url=clean(f.get("u")), label=clean(first([f.get("y"), f.get("z")]))))
    for f in record.get("852"):
        p.copies.append(
            ParsedCopy(
                barcode=clean(f.get("p")),
                call_number=clean(f.get("h")),
                location=clean(f.get("b")),
                status=clean(f.get("x")),
                note=clean(f.get("z")),
            )
        )
    p.record_type = _record_type(record, p)
    return p


def _record_type(record, p):
    local = clean(record.first("909", "a"))
    if local:
        return local
    kind, level = record.leader[6:7], record.leader[7:8]
    if record.get("502"):
        return "these"
    if level == "s":
        return "numero" if p.part else "revue"
    if level == "a":
        return "chapitre" if p.isbn else "article"
    if level == "b":
        return "article"
    return {"g": "video", "i": "podcast", "k": "infographie"}.get(kind, "ouvrage")


def parse(data, encoding=None):
    rule = charset_of_factory(encoding)
    return parse_iso2709(
        data,
        fmt=FORMAT,
        charset_of=rule,
        fast_charset=lambda leader, hundreds, is_ascii: rule_for_leader(leader, encoding),
        to_parsed=to_parsed,
        finish=finish,
    )


# --- Writing ------------------------------------------------------------------


def _fixed_field(p):
    year = f"{p.year:04d}" if p.year else "uuuu"
    language = (p.language or "und")[:3].ljust(3)
    return f"000000s{year}    fr {' ' * 17}{language} d"


def to_fields(p):
    sub = lambda *pairs: [(c, v) for c, v in pairs if v]  # noqa: E731
    fields = []
    if p.source_id:
        fields.append(("001", p.source_id))
    fields.append(("008", _fixed_field(p)))
    if p.isbn:
        fields.append(("020", " ", " ", [("a", p.isbn)]))
    if p.issn:
        fields.append(("022", " ", " ", [("a", p.issn)]))
    if p.language:
        fields.append(("041", "0", " ", [("a", p.language)]))
    persons = [a for a in p.authors if not a.is_organisation]
    organisations = [a for a in p.authors if a.is_organisation]

    def person(tag, a):
        name = f"{a.name}, {a.forename}" if a.forename else a.name
        return (tag, "1", " ", sub(("a", name), ("d", a.dates), ("4", RELATOR_CODES.get(a.role, "aut"))))

    def organisation(tag, a):
        return (tag, "2", " ", sub(("a", a.name), ("4", RELATOR_CODES.get(a.role, "aut"))))

    if persons:
        fields.append(person("100", persons[0]))
    elif organisations:
        fields.append(organisation("110", organisations[0]))
    nonsort = min(p.title_nonsort, 9)
    fields.append(
        (
            "245",
            "1" if p.authors else "0",
            str(nonsort),
            sub(("a", p.title), ("b", p.subtitle), ("n", p.part), ("c", p.responsibility)),
        )
    )
    if p.edition:
        fields.append(("250", " ", " ", [("a", p.edition)]))
    publication = sub(("a", p.place), ("b", p.publisher), ("c", p.date_text or (str(p.year) if p.year else "")))
    if publication:
        fields.append(("264", " ", "1", publication))
    if p.extent:
        fields.append(("300", " ", " ", [("a", p.extent)]))
    if p.series:
        fields.append(("490", "0", " ", sub(("a", p.series), ("v", p.series_number))))
    for note in filter(None, p.notes.split("\n")):
        fields.append(("500", " ", " ", [("a", note)]))
    if p.record_type == "these":
        fields.append(("502", " ", " ", [("a", "Thèse ou mémoire")]))
    for line in filter(None, p.contents.split("\n")):
        fields.append(("505", "0", " ", [("a", line)]))
    for line in filter(None, p.abstract.split("\n")):
        fields.append(("520", " ", " ", [("a", line)]))
    for subject in p.subjects:
        fields.append(("650", " ", "7", [("a", subject), ("2", "local")]))
    for place in p.places:
        fields.append(("651", " ", "4", [("a", place)]))
    for keyword in p.keywords:
        fields.append(("653", " ", " ", [("a", keyword)]))
    for a in persons[1:]:
        fields.append(person("700", a))
    for a in organisations[0 if persons else 1 :]:
        fields.append(organisation("710", a))
    if p.host_title:
        fields.append(("773", "0", " ", [("t", p.host_title)]))
    for c in p.copies:
        fields.append(
            (
                "852",
                " ",
                " ",
                sub(("b", c.location), ("h", c.call_number), ("p", c.barcode), ("x", c.status), ("z", c.note)),
            )
        )
    for link in p.links:
        fields.append(("856", "4", "0", sub(("u", link.url), ("y", link.label))))
    fields.append(("909", " ", " ", [("a", p.record_type)]))
    return fields


def leader_for(p):
    return f"00000n{LEADER_OF_TYPE.get(p.record_type, 'am')} a22     7i 4500"


def write_one(p):
    return write_record(leader_for(p), to_fields(p))


def write(records):
    return b"".join(write_one(p) for p in records)
