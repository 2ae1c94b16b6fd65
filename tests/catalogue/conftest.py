"""Builders of real bibliographic files, written with pymarc (the reference implementation)."""

import pytest
from django.contrib.auth.models import Group
from pymarc import Field, Indicators, Record, Subfield


@pytest.fixture
def documentaliste(staff_user, client):
    """A client logged in as a member of the « documentaliste » group."""
    staff_user.groups.set([Group.objects.get(name="documentaliste")])
    client.force_login(staff_user)
    return client


def field(tag, *pairs, ind=("  ")):
    return Field(tag=tag, indicators=Indicators(ind[0], ind[1]), subfields=[Subfield(c, v) for c, v in pairs])


def unimarc_record(
    title="\x88Les \x89quartiers prioritaires",
    isbn="2-07-036822-X",
    year="2019",
    ident="PMB42",
    charset="50  ",
    extra=(),
):
    record = Record(force_utf8=True, leader="     nam  22     i 450 ")
    record.add_field(Field(tag="001", data=ident))
    if isbn:
        record.add_field(field("010", ("a", isbn), ("d", "15 EUR")))
    record.add_field(field("100", ("a", f"20240101d{year}    m  y0frey{charset}    ba")))
    record.add_field(field("101", ("a", "fre"), ind="0 "))
    record.add_field(field("200", ("a", title), ("e", "état des lieux"), ("f", "Jean Dupont"), ind="1 "))
    record.add_field(field("210", ("a", "Lille"), ("c", "IREV"), ("d", year)))
    record.add_field(field("215", ("a", "120 p.")))
    record.add_field(field("225", ("a", "Les cahiers de l'IREV"), ("v", "12"), ind="2 "))
    record.add_field(field("330", ("a", "Une synthèse sur la géographie prioritaire.")))
    record.add_field(field("606", ("a", "Discrimination"), ("x", "Logement social")))
    record.add_field(field("610", ("a", "Hauts-de-France")))
    record.add_field(field("700", ("a", "Dupont"), ("b", "Jean"), ("4", "070"), ind=" 1"))
    record.add_field(field("701", ("a", "Martin"), ("b", "Éloïse"), ("4", "651"), ind=" 1"))
    record.add_field(field("710", ("a", "IREV"), ("4", "070"), ind="02"))
    record.add_field(field("856", ("u", "https://irev.example/doc.pdf"), ("z", "texte intégral"), ind="4 "))
    record.add_field(
        field("995", ("f", "IREV000123"), ("k", "PV DUP"), ("e", "salle de lecture"), ("5", "2024-03-01"))
    )
    for f in extra:
        record.add_field(f)
    return record


def marc21_record(title="The social city", isbn="9780306406157", year="2018", ident="LC1"):
    record = Record(leader="     nam a22     7i 4500")
    record.add_field(Field(tag="001", data=ident))
    record.add_field(Field(tag="008", data=f"000000s{year}    fr            000 0 fre d"))
    record.add_field(field("020", ("a", isbn)))
    record.add_field(field("100", ("a", "Lefèvre, Anne"), ("e", "auteur"), ind="1 "))
    record.add_field(field("245", ("a", f"{title} /"), ("b", "une enquête"), ("c", "Anne Lefèvre."), ind="14"))
    record.add_field(field("264", ("a", "Paris :"), ("b", "La Découverte,"), ("c", year), ind=" 1"))
    record.add_field(field("300", ("a", "250 p.")))
    record.add_field(field("520", ("a", "Résumé de l'ouvrage.")))
    record.add_field(field("650", ("a", "Mixité sociale"), ind=" 7"))
    record.add_field(field("700", ("a", "Nguyen, Bao"), ("4", "edt"), ind="1 "))
    record.add_field(field("710", ("a", "Observatoire des territoires"), ind="2 "))
    return record


@pytest.fixture
def unimarc_file():
    return unimarc_record().as_marc()
