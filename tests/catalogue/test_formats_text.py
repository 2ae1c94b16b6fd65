"""RIS, BibTeX, CSV and Dublin Core."""

from defusedxml.ElementTree import fromstring

from crpv.catalogue import formats

RIS = """TY  - RPRT
AU  - Lefèvre, Anne
AU  - Dupont, Jean
TI  - Évaluer les contrats de ville
PY  - 2023
PB  - IREV
CY  - Lille
SN  - 978-2-07-036822-8
KW  - évaluation
KW  - contrat de ville
AB  - Un guide pour les pilotes.
ZZ  - une balise inconnue
UR  - https://irev.example/guide
ER  -

TY  - JOUR
TI  -
AU  - Sans, Titre
ER  -

TY  - JOUR
TI  - Les quartiers et l'école
T2  - Revue urbaine
AU  - Martin, Éloïse
PY  - 2021
VL  - 12
IS  - 3
SP  - 10
EP  - 24
ER  -

TY  - BOOK
TI  - Sans fin de notice
"""


def test_ris_with_accents_unknown_tags_and_errors():
    result = formats.parse(RIS.encode("utf-8"), "ris")
    assert [(e.position, e.reason) for e in result.errors] == [
        (2, "titre absent"),
        (4, "notice RIS sans fin (« ER  - » manquant)"),
    ]
    report, article = result.records
    assert report.record_type == "rapport" and report.title == "Évaluer les contrats de ville"
    assert [(a.name, a.forename) for a in report.authors] == [("Lefèvre", "Anne"), ("Dupont", "Jean")]
    assert report.isbn == "9782070368228" and report.year == 2023
    assert report.keywords == ["évaluation", "contrat de ville"]
    assert any("ZZ" in w for w in report.warnings)
    assert article.record_type == "article" and article.host_title == "Revue urbaine"
    assert article.part == "vol. 12, n° 3" and article.extent == "p. 10-24"


def test_ris_in_windows_1252_and_round_trip():
    result = formats.parse(RIS.encode("cp1252"), "ris")
    assert result.encoding == "cp1252"
    assert result.records[0].authors[0].name == "Lefèvre"
    again = formats.parse(formats.write(result.records, "ris"), "ris")
    assert again.errors == []
    assert [r.title for r in again.records] == [r.title for r in result.records]
    assert again.records[0].isbn == result.records[0].isbn
    assert [a.display for a in again.records[0].authors] == [a.display for a in result.records[0].authors]


BIBTEX = r"""
@book{dupont2020,
  title = {L'{\'e}cole et la ville},
  author = {Dupont, Jean and {Agence nationale de la coh{\'e}sion des territoires}},
  year = 2020,
  publisher = {PUF},
  address = {Paris},
  isbn = {2-07-036822-X},
  keywords = {école, mixité}
}
@article{broken, title = {Sans accolade fermante, author = {X}
@techreport{rapport2019,
  title = {Rapport sur les cités éducatives},
  institution = {ANCT},
  year = {2019}
}
"""


def test_bibtex_with_latex_accents_and_a_syntax_error():
    result = formats.parse(BIBTEX.encode("utf-8"), "bibtex")
    assert len(result.errors) == 1
    assert result.errors[0].position == 2 and "syntaxe BibTeX" in result.errors[0].reason
    book, rapport = result.records
    assert book.title == "L'école et la ville"
    assert [(a.name, a.is_organisation) for a in book.authors] == [
        ("Dupont", False),
        ("Agence nationale de la cohésion des territoires", True),
    ]
    assert book.isbn == "9782070368228" and book.keywords == ["école", "mixité"]
    assert rapport.record_type == "rapport" and rapport.publisher == "ANCT"
    again = formats.parse(formats.write(result.records, "bibtex"), "bibtex")
    assert again.errors == []
    assert [(r.title, r.year, r.isbn) for r in again.records] == [(r.title, r.year, r.isbn) for r in result.records]
    assert [a.name for a in again.records[0].authors] == [a.name for a in book.authors]


CSV = (
    "Type;Titre;Auteurs;Éditeur;Année;ISBN;Sujets;Mots-clés;Cote\r\n"
    "fiche méthodologique;Animer un diagnostic en marchant;IREV;IREV;2024;;GUSP;proximité;FM 12\r\n"
    "ouvrage;Égalité et territoires;Durand, Léa | Petit, Hugo (dir.);Éditions de l'Aube;2022;978-2-07-036822-8;;;\r\n"
    "revue;;;;;;;;\r\n"
    "inconnu;Un type inconnu;;;;;;;\r\n"
    "ouvrage;=HYPERLINK(1);;;;;;;\r\n"
)


def test_csv_in_windows_1252_with_semicolons():
    result = formats.parse(CSV.encode("cp1252"), "csv")
    assert result.encoding == "cp1252"
    assert [(e.position, e.reason) for e in result.errors] == [
        (3, "ligne 4 : titre absent"),
        (4, "ligne 5 : type de document inconnu « inconnu »"),
    ]
    fiche, ouvrage, formula = result.records
    assert fiche.record_type == "fiche" and fiche.authors[0].is_organisation
    assert fiche.copies[0].call_number == "FM 12" and fiche.subjects == ["GUSP"]
    assert [(a.name, a.forename, a.role) for a in ouvrage.authors] == [
        ("Durand", "Léa", "auteur"),
        ("Petit", "Hugo", "directeur"),
    ]
    assert ouvrage.publisher == "Éditions de l'Aube"
    exported = formats.write(result.records, "csv")
    assert exported.startswith(b"\xef\xbb\xbf")
    assert b"'=HYPERLINK(1)" in exported  # neutralised for spreadsheets
    again = formats.parse(exported, "csv")
    assert again.errors == []
    assert [r.title for r in again.records] == [r.title for r in result.records]  # formula read back as text
    assert [a.display for a in again.records[1].authors] == [a.display for a in ouvrage.authors]


def test_csv_without_title_column_is_refused():
    result = formats.parse("nom;prénom\nDupont;Jean\n".encode(), "csv")
    assert result.records == [] and "titre" in result.errors[0].reason


def test_dublin_core_export():
    records = formats.parse(RIS.encode("utf-8"), "ris").records
    root = fromstring(formats.write(records, "dc"))
    dc = "{http://purl.org/dc/elements/1.1/}"
    first = root[0]
    assert first.find(f"{dc}title").text == "Évaluer les contrats de ville"
    assert [e.text for e in first.findall(f"{dc}creator")] == ["Lefèvre, Anne", "Dupont, Jean"]
    assert "urn:isbn:9782070368228" in [e.text for e in first.findall(f"{dc}identifier")]
