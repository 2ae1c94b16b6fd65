"""Geographic subjects (UNIMARC 607, MARC 21 651, DC coverage) become the records' territories, and come back out."""

import pytest
from defusedxml import ElementTree as ET
from django.urls import reverse

from crpv.catalogue import formats
from crpv.catalogue.exporting import export_records
from crpv.catalogue.formats import dublincore
from crpv.catalogue.models import Concept, ConceptScheme, ImportBatch, Record
from crpv.catalogue.oai.harvester import dc_record
from crpv.catalogue.operations import import_records
from crpv.territories.models import Commune, Departement, Epci, Region
from tests.catalogue.schemas import validate

from .conftest import field, marc21_record, unimarc_record
from .test_formats_marc import unimarc_bytes

DC = "{http://purl.org/dc/elements/1.1/}"
OAI = "{http://www.openarchives.org/OAI/2.0/}"
MARC = "{http://www.loc.gov/MARC21/slim}"


def with_places(*places, **kwargs):
    return unimarc_record(extra=[field("607", ("a", place)) for place in places], **kwargs)


def parse(*records):
    return formats.parse(b"".join(unimarc_bytes(r) for r in records), "unimarc")


@pytest.fixture
def geography(db):
    region = Region.objects.create(code="32", name="Hauts-de-France", cog_year=2026)
    nord = Departement.objects.create(code="59", name="Nord", region=region, cog_year=2026)
    pas = Departement.objects.create(code="62", name="Pas-de-Calais", region=region, cog_year=2026)
    mel = Epci.objects.create(code="200093201", name="Métropole Européenne de Lille", cog_year=2026)
    roubaix = Commune.objects.create(code="59512", name="Roubaix", departement=nord, epci=mel, cog_year=2026)
    lille = Commune.objects.create(code="59350", name="Lille", departement=nord, epci=mel, cog_year=2026)
    # Two communes of the same name in two départements.
    fontaine_59 = Commune.objects.create(code="59900", name="Fontaine", departement=nord, cog_year=2026)
    fontaine_62 = Commune.objects.create(code="62900", name="Fontaine", departement=pas, cog_year=2026)
    return {
        "nord": nord,
        "pas": pas,
        "mel": mel,
        "roubaix": roubaix,
        "lille": lille,
        "fontaine_59": fontaine_59,
        "fontaine_62": fontaine_62,
    }


# --- Parsing ------------------------------------------------------------------------------


def test_unimarc_607_is_read_as_places_not_keywords():
    p = parse(with_places("Roubaix (Nord)", "Nord")).records[0]
    assert p.places == ["Roubaix (Nord)", "Nord"]
    assert "Roubaix (Nord)" not in p.keywords and "Nord" not in p.keywords
    assert p.keywords == ["Hauts-de-France"]  # 610 stays a keyword


def test_marc21_651_a_is_read_as_places_its_subdivisions_as_subjects():
    record = marc21_record()
    record.add_field(field("651", ("a", "Lille (Nord)."), ("x", "Histoire"), ind=" 0"))
    p = formats.parse(record.as_marc(), "marc21").records[0]
    assert p.places == ["Lille (Nord)"]
    assert p.subjects == ["Mixité sociale", "Histoire"]  # 650 unchanged, 651 $x kept as a subject


def test_dc_coverage_is_read_as_places():
    metadata = ET.fromstring(
        '<metadata xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><oai_dc:dc>'
        "<dc:title>Rénovation urbaine</dc:title><dc:subject>Logement</dc:subject>"
        "<dc:coverage>Roubaix (Nord)</dc:coverage><dc:coverage> Pas-de-Calais </dc:coverage>"
        "</oai_dc:dc></metadata>"
    )
    p = dc_record("oai:partner:1", metadata)
    assert p.places == ["Roubaix (Nord)", "Pas-de-Calais"]
    assert p.keywords == ["Logement"]


def test_writers_give_places_back():
    p = parse(with_places("Roubaix", "Nord")).records[0]
    assert formats.parse(formats.write([p], "unimarc"), "unimarc").records[0].places == ["Roubaix", "Nord"]
    assert formats.parse(formats.write([p], "marc21"), "marc21").records[0].places == ["Roubaix", "Nord"]
    assert [value for name, value in dublincore.elements(p) if name == "coverage"] == ["Roubaix", "Nord"]


# --- Import -------------------------------------------------------------------------------


def test_import_links_places_to_territories(admin_user, geography):
    g = geography
    parsed = parse(
        with_places(
            "Nord",
            "Roubaix",
            "Roubaix (Nord)",  # the same commune again: one link
            "METROPOLE europeenne de Lille",  # an EPCI, folded
            "Fontaine",  # two communes of that name: not linked
            "Atlantide",  # no such territory
            "Fontaine (Pas-de-Calais)",  # the qualifier picks the commune
            "Nord (France)",  # a qualifier that is no département: the name alone
        )
    )
    report = import_records(parsed=parsed, acting_user=admin_user)
    assert report.written
    record = Record.objects.get()
    assert list(record.departements.all()) == [g["nord"]]
    assert list(record.epcis.all()) == [g["mel"]]
    assert set(record.communes.all()) == {g["roubaix"], g["fontaine_62"]}
    assert record.keywords[-2:] == ["Fontaine", "Atlantide"]  # after the file's own keywords and subjects
    assert not {"Nord", "Roubaix", "Roubaix (Nord)", "Fontaine (Pas-de-Calais)", "Nord (France)"} & set(
        record.keywords
    )
    warnings = [text for _, text in report.warnings]
    assert "lieu « Fontaine » non relié (plusieurs communes portent ce nom) : gardé en mot-clé" in warnings
    assert "lieu « Atlantide » absent des territoires et du thésaurus : gardé en mot-clé" in warnings
    assert not any("Roubaix" in w or "Nord" in w or "Lille" in w for w in warnings)


def test_a_departement_code_as_qualifier_and_a_contradicting_one(admin_user, geography):
    g = geography
    report = import_records(
        parsed=parse(with_places("Fontaine (59)", "Lille (Pas-de-Calais)")), acting_user=admin_user
    )
    assert (
        1,
        "lieu « Lille (Pas-de-Calais) » non relié (aucune commune de ce nom dans ce département) : gardé en mot-clé",
    ) in report.warnings
    record = Record.objects.get()
    assert list(record.communes.all()) == [g["fontaine_59"]]
    assert "Lille (Pas-de-Calais)" in record.keywords  # Lille is not in the Pas-de-Calais: not linked


def test_a_place_in_the_thesaurus_becomes_a_subject(admin_user, geography):
    scheme = ConceptScheme.objects.create(uri="urn:t", title="t")
    concept = Concept.objects.create(scheme=scheme, uri="urn:t:1", pref_label="Bassin minier")
    import_records(parsed=parse(with_places("Bassin minier")), acting_user=admin_user)
    record = Record.objects.get()
    assert list(record.subjects.all()) == [concept]
    assert "Bassin minier" not in record.keywords


def test_territories_are_read_once_per_import(admin_user, geography, django_assert_max_num_queries):
    records = [with_places("Nord", "Roubaix", ident=f"R{i}", isbn="", title=f"Titre {i}") for i in range(20)]
    parsed = parse(*records)
    with django_assert_max_num_queries(40) as captured:
        import_records(parsed=parsed, acting_user=admin_user)
    communes = [q for q in captured.captured_queries if "territories_commune" in q["sql"]]
    assert len(communes) == 1
    assert Record.communes.through.objects.count() == 20


def test_dry_run_writes_nothing(admin_user, geography):
    report = import_records(parsed=parse(with_places("Nord", "Roubaix")), acting_user=admin_user, dry_run=True)
    assert report.created and not report.written
    assert not Record.objects.exists() and not ImportBatch.objects.exists()
    assert not Record.departements.through.objects.exists()
    assert not Record.communes.through.objects.exists()


def test_duplicates_still_detected_with_places(admin_user, geography):
    import_records(parsed=parse(with_places("Nord")), acting_user=admin_user)
    report = import_records(parsed=parse(with_places("Roubaix", ident="B")), acting_user=admin_user)
    assert len(report.duplicates) == 1 and not report.created
    assert Record.objects.count() == 1
    assert not Record.objects.get().communes.exists()


# --- Export and round trip ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "read_as"),
    [("unimarc", "unimarc"), ("marc21", "marc21"), ("marcxml", "marcxml"), ("marcxml21", "marcxml")],
)
def test_round_trip_keeps_the_territories(admin_user, geography, fmt, read_as):
    g = geography
    import_records(
        parsed=parse(with_places("Nord", "Métropole européenne de Lille", "Roubaix", "Fontaine (Pas-de-Calais)")),
        acting_user=admin_user,
    )
    data = export_records(Record.objects.all(), fmt)
    parsed = formats.parse(data, read_as)
    # Communes carry their département (RAMEAU's form): Fontaine, a name two communes share, comes back as itself.
    assert parsed.records[0].places == [
        "Nord",
        "Métropole Européenne de Lille",
        "Fontaine (Pas-de-Calais)",
        "Roubaix (Nord)",
    ]
    Record.objects.all().delete()
    report = import_records(parsed=parsed, acting_user=admin_user)
    record = Record.objects.get()
    assert list(record.departements.all()) == [g["nord"]]
    assert list(record.epcis.all()) == [g["mel"]]
    assert set(record.communes.all()) == {g["roubaix"], g["fontaine_62"]}
    assert not any("lieu" in w for _, w in report.warnings)


def test_dublin_core_export_has_coverage(admin_user, geography):
    record = Record.objects.create(title="Politique de la ville à Roubaix", record_type="rapport")
    record.departements.add(geography["nord"])
    record.communes.add(geography["roubaix"], geography["lille"])
    root = ET.fromstring(export_records(Record.objects.all(), "dc"))
    assert [e.text for e in root.iter(f"{DC}coverage")] == ["Nord", "Lille (Nord)", "Roubaix (Nord)"]


def test_oai_records_carry_places_valid_against_the_schemas(client, geography):
    record = Record.objects.create(title="Politique de la ville à Roubaix", record_type="rapport")
    record.departements.add(geography["nord"])
    record.epcis.add(geography["mel"])
    record.communes.add(geography["roubaix"])
    other = Record.objects.create(title="Sans lieu", record_type="rapport")
    identifier = f"oai:irev:{record.pk}"

    def get(**params):
        response = client.get(reverse("oai:endpoint"), params)
        assert response.status_code == 200
        return validate(response.content)

    root = get(verb="GetRecord", identifier=identifier, metadataPrefix="oai_dc")
    assert [e.text for e in root.iter(f"{DC}coverage")] == ["Nord", "Métropole Européenne de Lille", "Roubaix (Nord)"]
    root = get(verb="GetRecord", identifier=identifier, metadataPrefix="marcxml")
    places = [
        sf.text for df in root.iter(f"{MARC}datafield") if df.get("tag") == "607" for sf in df if sf.get("code") == "a"
    ]
    assert places == ["Nord", "Métropole Européenne de Lille", "Roubaix (Nord)"]
    root = get(verb="ListRecords", metadataPrefix="oai_dc")
    by_id = {
        r.find(f"{OAI}header").findtext(f"{OAI}identifier"): [e.text for e in r.iter(f"{DC}coverage")]
        for r in root.iter(f"{OAI}record")
    }
    assert by_id[identifier] == ["Nord", "Métropole Européenne de Lille", "Roubaix (Nord)"]
    assert by_id[f"oai:irev:{other.pk}"] == []


def _partner_page(*coverages, title="Rénovation urbaine à Roubaix"):
    places = "".join(f"<dc:coverage>{c}</dc:coverage>" for c in coverages)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2024-03-01T12:00:00Z</responseDate>
<request verb="ListRecords">http://partenaire/oai</request><ListRecords>
<record><header><identifier>oai:reci:1</identifier><datestamp>2024-01-02T00:00:00Z</datestamp></header>
<metadata><oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/"
xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{title}</dc:title><dc:date>2021</dc:date>{places}
</oai_dc:dc></metadata></record><resumptionToken></resumptionToken></ListRecords></OAI-PMH>""".encode()


def test_harvest_links_coverage_on_creation_and_update(admin_user, geography):
    from crpv.catalogue.oai.harvester import harvest, source_for

    g = geography
    source = source_for("http://partenaire/oai", name="RECI")
    source.save()
    harvest(
        source=source, acting_user=admin_user, get=lambda url, params: _partner_page("Roubaix (Nord)", "Quelque part")
    )
    record = Record.objects.get()
    assert list(record.communes.all()) == [g["roubaix"]]
    assert "Quelque part" in record.keywords
    harvest(
        source=source, acting_user=admin_user, from_date="2024-01-01", get=lambda url, params: _partner_page("Nord")
    )
    record = Record.objects.get()
    assert list(record.departements.all()) == [g["nord"]]
    assert not record.communes.exists()
    assert "Quelque part" not in record.keywords
