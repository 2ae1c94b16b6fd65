"""MARC 21 and UNIMARC, ISO 2709 and MARCXML: real files written with pymarc, read by our parsers."""

import pymarc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pymarc import Field, Record

from crpv.catalogue import formats
from crpv.catalogue.formats import charsets, iso2709
from crpv.catalogue.formats.base import finish

from .conftest import field, marc21_record, unimarc_record


def unimarc_bytes(record):
    """pymarc writes leader/09 = 'a' (a MARC 21 notion); a UNIMARC file leaves it blank."""
    data = bytearray(record.as_marc())
    data[9] = ord(" ")
    return bytes(data)


def test_unimarc_is_read_from_its_own_fields():
    result = formats.parse(unimarc_bytes(unimarc_record()), "unimarc")
    assert result.errors == []
    assert result.encoding == "utf-8"  # from 100$a/26-29 "50  ", leader/09 is blank
    p = result.records[0]
    assert p.title == "Les quartiers prioritaires"
    assert p.title_nonsort == 4  # the markers are gone from display, the sort position is kept
    assert p.subtitle == "état des lieux"
    assert p.isbn == "9782070368228"  # ISBN-10 checked and stored as ISBN-13
    assert (p.publisher, p.place, p.year) == ("IREV", "Lille", 2019)
    assert p.series == "Les cahiers de l'IREV" and p.series_number == "12"
    assert p.subjects == ["Discrimination", "Logement social"]
    assert p.keywords == ["Hauts-de-France"]
    assert [(a.name, a.forename, a.role, a.is_organisation) for a in p.authors] == [
        ("Dupont", "Jean", "auteur", False),
        ("Martin", "Éloïse", "directeur", False),
        ("IREV", "", "auteur", True),
    ]
    assert p.links[0].url == "https://irev.example/doc.pdf"
    copy = p.copies[0]
    assert (copy.barcode, copy.call_number, copy.location, copy.acquired_on) == (
        "IREV000123",
        "PV DUP",
        "salle de lecture",
        "2024-03-01",
    )
    assert p.language == "fre" and p.source_id == "PMB42"


def test_pymarc_helpers_see_nothing_in_unimarc():
    """Why we read UNIMARC ourselves: pymarc's accessors read MARC 21 tags."""
    record = next(pymarc.MARCReader(unimarc_bytes(unimarc_record()), force_utf8=True))
    assert record.title is None and record.isbn is None


def test_unimarc_iso_5426_is_decoded():
    record = Record(to_unicode=False, leader="     nam  22     i 450 ")
    record.add_field(field("100", ("a", "20240101d2010    m  y0frey0103    ba")))
    # ISO 5426: the diacritic precedes its letter (0xC2 acute, 0xD0 cedilla, 0xEA Œ).
    record.add_field(field("200", ("a", "\x88L'\x89\xc2ecole et la fran\xd0caise \xeauvre"), ind="1 "))
    result = formats.parse(record.as_marc(), "unimarc")
    assert result.errors == []
    assert result.records[0].title == "L'école et la française Œuvre"
    assert result.records[0].title_nonsort == 2


def test_unimarc_latin1_without_declaration_is_a_clear_error_then_readable_when_told():
    record = Record(to_unicode=False, leader="     nam  22     i 450 ")
    record.add_field(field("100", ("a", "20240101d2010    m  y0frey01      ba")))
    record.add_field(field("200", ("a", "\xc9valuation des contrats de ville"), ind="1 "))  # Latin-1 "É"
    data = record.as_marc()
    result = formats.parse(data, "unimarc")
    assert result.records == []
    assert "précisez l'encodage" in result.errors[0].reason
    result = formats.parse(data, "unimarc", encoding="latin-1")
    assert result.records[0].title == "Évaluation des contrats de ville"


def test_marc21_utf8():
    result = formats.parse(marc21_record().as_marc(), "marc21")
    assert result.errors == []
    p = result.records[0]
    assert p.title == "The social city" and p.title_nonsort == 4
    assert p.subtitle == "une enquête"
    assert (p.publisher, p.place, p.year, p.language) == ("La Découverte", "Paris", 2018, "fre")
    assert [(a.name, a.forename, a.role) for a in p.authors] == [
        ("Lefèvre", "Anne", "auteur"),
        ("Nguyen", "Bao", "directeur"),
        ("Observatoire des territoires", "", "auteur"),
    ]
    assert p.subjects == ["Mixité sociale"]
    assert p.abstract == "Résumé de l'ouvrage."


def test_marc21_marc8_record():
    record = Record(to_unicode=False, leader="     nam  22     7i 4500")  # leader/09 blank: MARC-8
    record.add_field(Field(tag="001", data="M8"))
    # MARC-8 (ANSEL): 0xE2 acute and 0xE1 grave precede their letter.
    record.add_field(field("245", ("a", "\xe2Ecole et \xe1a propos"), ind="10"))
    result = formats.parse(record.as_marc(), "marc21")
    assert result.errors == []
    assert result.records[0].title == "École et à propos"
    assert result.encoding == "marc-8"


def test_truncated_file_reports_the_last_record_and_keeps_the_others():
    good = unimarc_bytes(unimarc_record(ident="A")) + unimarc_bytes(unimarc_record(ident="B", isbn="", title="Autre"))
    data = good + unimarc_bytes(unimarc_record(ident="C"))[:-40]
    result = formats.parse(data, "unimarc")
    assert [p.source_id for p in result.records] == ["A", "B"]
    assert [(e.position, e.reason) for e in result.errors] == [(3, "notice tronquée : la fin de notice (0x1D) manque")]


def test_wrong_leader_length_is_an_error_for_that_record_only():
    bad = bytearray(unimarc_bytes(unimarc_record(ident="X")))
    bad[0:5] = b"%05d" % (len(bad) + 7)
    data = unimarc_bytes(unimarc_record(ident="A")) + bytes(bad) + unimarc_bytes(unimarc_record(ident="C", isbn=""))
    result = formats.parse(data, "unimarc")
    assert [p.source_id for p in result.records] == ["A", "C"]
    assert result.errors[0].position == 2
    assert "longueur annoncée dans le guide" in result.errors[0].reason


def test_broken_directory_and_bad_isbn_are_reported():
    broken = bytearray(unimarc_bytes(unimarc_record()))
    broken[12:17] = b"99999"
    bad_isbn = unimarc_bytes(unimarc_record(isbn="2-07-036822-3"))
    result = formats.parse(bytes(broken) + bad_isbn, "unimarc")
    assert result.records == []
    assert "adresse de base" in result.errors[0].reason
    assert result.errors[1].position == 2 and "clé de contrôle" in result.errors[1].reason


def test_not_marc_at_all():
    result = formats.parse(b"Ceci n'est pas un fichier MARC.", "unimarc")
    assert result.records == [] and result.errors
    assert formats.parse(b"", "marc21").errors[0].reason == "fichier vide"


def test_marcxml_written_by_pymarc_is_read():
    xml = pymarc.record_to_xml(marc21_record(), namespace=True)
    result = formats.parse(xml, "marcxml")
    assert result.errors == []
    assert result.records[0].title == "The social city"
    unimarc = (
        b'<collection xmlns="http://www.loc.gov/MARC21/slim">'
        + pymarc.record_to_xml(unimarc_record(), namespace=False)
        + b"</collection>"
    )
    result = formats.parse(unimarc, "marcxml")
    assert result.errors == []
    assert result.records[0].title == "Les quartiers prioritaires"  # flavour guessed from 200
    assert result.records[0].title_nonsort == 4


def test_marcxml_with_external_entity_is_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("mot de passe", encoding="utf-8")
    xxe = f"""<?xml version="1.0"?>
<!DOCTYPE collection [<!ENTITY xxe SYSTEM "file://{secret}">]>
<collection xmlns="http://www.loc.gov/MARC21/slim"><record><leader>00000nam a2200000 i 4500</leader>
<datafield tag="245" ind1="0" ind2="0"><subfield code="a">&xxe;</subfield></datafield></record></collection>"""
    result = formats.parse(xxe.encode(), "marcxml")
    assert result.records == []
    assert "DTD ou des entités" in result.errors[0].reason
    assert all("mot de passe" not in e.reason for e in result.errors)


def test_invalid_marcxml():
    result = formats.parse(b"<collection><record><leader>x</leader>", "marcxml")
    assert result.records == [] and "XML mal formé" in result.errors[0].reason
    result = formats.parse(b"<html><body/></html>", "marcxml")
    assert "élément racine inattendu" in result.errors[0].reason


def _same(a, b):
    fields = ("record_type", "title", "title_nonsort", "subtitle", "isbn", "issn", "publisher", "place", "year")
    fields += ("series", "series_number", "abstract", "subjects", "keywords", "language", "extent", "source_id")
    for name in fields:
        assert getattr(a, name) == getattr(b, name), name
    assert [(x.name, x.forename, x.role, x.is_organisation) for x in a.authors] == [
        (x.name, x.forename, x.role, x.is_organisation) for x in b.authors
    ]
    assert [link.url for link in a.links] == [link.url for link in b.links]


def test_round_trips_keep_the_fields():
    first = formats.parse(unimarc_bytes(unimarc_record()), "unimarc").records[0]
    for fmt, reader in (
        ("unimarc", "unimarc"),
        ("marc21", "marc21"),
        ("marcxml", "marcxml"),
        ("marcxml21", "marcxml"),
    ):
        again = formats.parse(formats.write([first], fmt), reader)
        assert again.errors == [], fmt
        _same(first, again.records[0])
    again = formats.parse(formats.write([first], "unimarc"), "unimarc").records[0]
    assert [(c.barcode, c.call_number, c.acquired_on) for c in again.copies] == [
        ("IREV000123", "PV DUP", "2024-03-01")
    ]


def test_our_iso2709_is_read_by_pymarc_with_markers_and_utf8_declared():
    p = formats.parse(unimarc_bytes(unimarc_record()), "unimarc").records[0]
    data = formats.write([p], "unimarc")
    record = next(pymarc.MARCReader(data, force_utf8=True))
    assert record["100"]["a"][26:30] == "50  "
    assert record["200"]["a"] == "\x88Les \x89quartiers prioritaires"
    assert data[9:10] == b" "  # leader/09 is undefined in UNIMARC
    assert next(pymarc.MARCReader(formats.write([p], "marc21")))["245"]["a"] == "Les quartiers prioritaires"


@pytest.mark.parametrize(("data", "charset"), [(b"\xff\xfe", charsets.UTF8), (b"\xa4x", charsets.ISO5426)])
def test_charsets_errors_are_french(data, charset):
    with pytest.raises(ValueError, match="jeu de caractères|ISO 5426"):
        charsets.decode(data, charset)


def test_write_record_computes_leader():
    data = iso2709.write_record("00000nam  22      i 450 ", [("001", "x"), ("200", "1", " ", [("a", "Titre")])])
    assert int(data[:5]) == len(data)
    record = iso2709.parse_record(1, data)
    assert record.get("200")[0].subfields == [("a", b"Titre")]


def _reference_parse(data, fmt, encoding=None):
    """The same file read only the reference way (no fast path)."""
    from crpv.catalogue.formats import marc, marc21, unimarc

    module = unimarc if fmt == "unimarc" else marc21
    return marc.parse_iso2709(
        data, fmt=fmt, charset_of=module.charset_of_factory(encoding), to_parsed=module.to_parsed, finish=finish
    )


def _summary(result):
    import dataclasses

    return (
        [dataclasses.asdict(r) for r in result.records],
        [(e.position, e.reason) for e in result.errors],
        result.encoding,
        result.count,
    )


@pytest.mark.parametrize("encoding", [None, "utf-8", "latin-1", "iso-5426"])
def test_fast_way_reads_like_the_reference_way(encoding):
    iso5426 = Record(to_unicode=False, leader="     nam  22     i 450 ")
    iso5426.add_field(field("100", ("a", "20240101d2010    m  y0frey0103    ba")))
    iso5426.add_field(field("200", ("a", "\x88L'\x89\xc2ecole"), ind="1 "))
    files = [
        unimarc_bytes(unimarc_record()) + unimarc_bytes(unimarc_record(ident="B", isbn="", title="é\u0301  x\ty")),
        unimarc_record(charset="    ").as_marc(),
        iso5426.as_marc(),
        marc21_record().as_marc(),
    ]
    from crpv.catalogue.formats import marc, unimarc

    # The well-formed UTF-8 record does take the fast way; the ISO 5426 one does not.
    chunk = unimarc_bytes(unimarc_record())
    assert marc._fast_record(1, chunk, unimarc.fast_charset_factory(None)) is not None
    assert marc._fast_record(1, iso5426.as_marc(), unimarc.fast_charset_factory(None)) is None
    for data in files:
        for fmt in ("unimarc", "marc21"):
            assert _summary(formats.parse(data, fmt, encoding=encoding)) == _summary(
                _reference_parse(data, fmt, encoding)
            ), (fmt, data[:40])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.sampled_from(["unimarc", "marc21"]),
    edits=st.lists(
        st.tuples(st.integers(0, 10**6), st.sampled_from(b"\x1d\x1e\x1f\x88\xc3\xa9 \t0a\xff")), max_size=6
    ),
    encoding=st.sampled_from([None, "utf-8", "latin-1"]),
)
def test_fast_way_agrees_with_the_reference_way_on_damaged_records(seed, edits, encoding):
    data = bytearray(unimarc_record().as_marc() if seed == "unimarc" else marc21_record().as_marc())
    for where, byte in edits:
        data[where % len(data)] = byte
    data = bytes(data)
    for fmt in ("unimarc", "marc21"):
        assert _summary(formats.parse(data, fmt, encoding=encoding)) == _summary(_reference_parse(data, fmt, encoding))
