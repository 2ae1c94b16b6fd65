"""The thesaurus: starter vocabulary, SKOS round trips, safe RDF/XML."""

import pytest
from django.core.management import call_command

from crpv.catalogue import skos
from crpv.catalogue.exporting import export_thesaurus
from crpv.catalogue.management.commands.load_thesaurus import DEFAULT
from crpv.catalogue.models import Concept, ConceptScheme
from crpv.catalogue.operations import load_thesaurus
from crpv.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_starter_vocabulary_loads_with_hierarchy_and_alt_labels():
    call_command("load_thesaurus", "--dry-run")
    assert Concept.objects.count() == 0
    call_command("load_thesaurus")
    count = Concept.objects.count()
    assert 150 <= count <= 300
    tfpb = Concept.objects.get(pref_label="Abattement TFPB")
    assert "TFPB" in tfpb.alt_labels
    assert [c.pref_label for c in tfpb.broader.all()] == ["Gestion urbaine et sociale de proximité"]
    assert tfpb.scope_note.startswith("Abattement de 30 %")
    top = Concept.objects.get(pref_label="Politique de la ville")
    assert top.narrower.filter(pref_label="Contrat de ville").exists()
    zus = Concept.objects.get(pref_label="Zone urbaine sensible")
    assert zus.deprecated and zus.replaced_by.pref_label == "Quartier prioritaire"
    for name in (
        "Contrat de ville",
        "Participation des habitants",
        "Laïcité",
        "Cité éducative",
        "Renouvellement urbain",
        "Transition écologique",
        "Mobilité",
        "Commerce",
        "Jeunesse",
        "Santé",
        "Prévention de la radicalisation",
    ):
        assert Concept.objects.filter(pref_label=name).exists(), name
    # Idempotent on URIs: a second load changes nothing.
    report = load_thesaurus(parsed=skos.parse(DEFAULT.read_bytes(), "turtle"), acting_user=None)
    assert (report.created, report.updated, report.unchanged) == (0, 0, count)
    assert Concept.objects.count() == count
    assert AuditEntry.objects.filter(action="catalogue.thesaurus.loaded").count() == 2


def test_matching_on_folded_pref_and_alt_labels():
    call_command("load_thesaurus")
    labels = list(Concept.objects.matching("discrim").values_list("pref_label", flat=True))
    assert labels[0] == "Discrimination"
    assert "Discrimination dans l'emploi" in labels
    assert Concept.objects.matching("LAICITE").first().pref_label == "Laïcité"
    assert Concept.objects.matching("gusp").first().pref_label == "Gestion urbaine et sociale de proximité"
    assert not Concept.objects.matching("   ").exists()


@pytest.mark.parametrize("fmt", ["turtle", "xml"])
def test_skos_round_trip(fmt):
    call_command("load_thesaurus")
    scheme = ConceptScheme.objects.get()
    data = export_thesaurus(scheme, fmt)
    parsed = skos.parse(data, fmt)
    assert parsed.errors == []
    original = {c.uri: c for c in skos.parse(DEFAULT.read_bytes(), "turtle").concepts}
    again = {c.uri: c for c in parsed.concepts}
    assert again.keys() == original.keys()
    for uri, concept in original.items():
        other = again[uri]
        assert (other.pref_label, sorted(other.alt_labels), other.scope_note, other.broader, other.related) == (
            concept.pref_label,
            sorted(concept.alt_labels),
            concept.scope_note,
            concept.broader,
            concept.related,
        )
    report = load_thesaurus(parsed=parsed, acting_user=None)
    assert report.created == 0 and report.updated == 0


def test_rdfxml_with_entities_is_refused(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("mot de passe", encoding="utf-8")
    data = f"""<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [<!ENTITY xxe SYSTEM "file://{secret}">]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:skos="http://www.w3.org/2004/02/skos/core#">
  <skos:Concept rdf:about="urn:x:1"><skos:prefLabel xml:lang="fr">&xxe;</skos:prefLabel></skos:Concept>
</rdf:RDF>""".encode()
    parsed = skos.parse(data, "xml")
    assert parsed.concepts == [] and "DTD ou des entités" in parsed.errors[0]


def test_bad_turtle_is_reported():
    parsed = skos.parse(b"@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n<urn:a> a skos:Concept ;", "turtle")
    assert parsed.concepts == [] and parsed.errors[0].startswith("fichier SKOS illisible")
