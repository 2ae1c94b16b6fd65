"""Documents after the event: a file, a replay link or a catalogue record, grouped by kind."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from crpv.catalogue.models import Record
from crpv.core.models import AuditEntry
from crpv.events import operations
from crpv.events.models import DocumentKind, EventDocument

from .conftest import make_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def past_event(db):
    return make_event(title="Journée passée", start=timezone.now() - datetime.timedelta(days=5))


@pytest.fixture
def record(db):
    return Record.objects.create(title="Guide de l'évaluation des contrats de ville", record_type="ouvrage")


def post_document(client, event, **data):
    url = reverse("events_staff:documents", args=[event.pk])
    return client.post(url, {"title": "Ressource", "kind": "autre", "public": "on", **data})


def test_kinds_have_lowercase_french_labels():
    assert [label for _, label in DocumentKind.choices] == ["replay", "présentation", "synthèse", "autre"]


def test_the_database_refuses_a_document_with_nothing(past_event):
    with pytest.raises(IntegrityError), transaction.atomic():
        EventDocument.objects.create(event=past_event, title="Vide")


def test_staff_adds_a_replay_link(events_client, past_event, client):
    response = post_document(
        events_client, past_event, title="Replay du webinaire", kind="replay", url="https://video.example/replay/42"
    )
    assert response.status_code == 302
    document = EventDocument.objects.get()
    assert (document.kind, document.url, document.file.name) == ("replay", "https://video.example/replay/42", "")
    assert AuditEntry.objects.filter(action="events.document_added").count() == 1
    events_client.logout()
    page = client.get(past_event.get_absolute_url()).content.decode()
    assert '<a href="https://video.example/replay/42" rel="noopener">Replay du webinaire</a>' in page
    assert "<h3>Replays</h3>" in page


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "ftp://fichiers.example/replay.mp4", "data:text/html,<b>x</b>", "pas une adresse"]
)
def test_only_http_links_are_accepted(events_client, past_event, url):
    response = post_document(events_client, past_event, kind="replay", url=url)
    assert response.status_code == 400 and "http ou https" in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    assert EventDocument.objects.count() == 0


def test_a_document_needs_a_file_a_link_or_a_record(events_client, past_event):
    response = post_document(events_client, past_event)
    assert response.status_code == 400
    assert "Joignez un fichier, indiquez un lien ou le numéro" in response.content.decode()
    assert EventDocument.objects.count() == 0


def test_staff_links_a_public_record(events_client, past_event, record, client):
    response = post_document(events_client, past_event, title="Le guide", kind="synthese", record=record.pk)
    assert response.status_code == 302
    document = EventDocument.objects.get()
    assert document.record == record and not document.file and not document.url
    listing = events_client.get(reverse("events_staff:documents", args=[past_event.pk])).content.decode()
    assert f"notice n° {record.pk}" in listing
    events_client.logout()
    page = client.get(past_event.get_absolute_url()).content.decode()
    assert "Le guide" in page and "<h3>Synthèses</h3>" in page
    if hasattr(record, "get_absolute_url"):
        assert f'href="{record.get_absolute_url()}"' in page


def test_a_staff_only_record_cannot_be_linked_nor_shown(events_client, past_event, record, client):
    record.visibility = Record.Visibility.STAFF
    record.save()
    response = post_document(events_client, past_event, record=record.pk)
    assert response.status_code == 400 and "Aucune notice publique" in response.content.decode()
    # Linked while public, then made staff-only: the public page leaves it out.
    EventDocument.objects.create(event=past_event, title="Notice devenue interne", record=record)
    assert "Notice devenue interne" not in client.get(past_event.get_absolute_url()).content.decode()


def test_deleting_a_record_removes_the_documents_that_are_only_that_record(past_event, record):
    only = EventDocument.objects.create(event=past_event, title="Seulement la notice", record=record)
    with_link = EventDocument.objects.create(
        event=past_event, title="Replay et notice", kind="replay", url="https://video.example/1", record=record
    )
    record.delete()
    assert not EventDocument.objects.filter(pk=only.pk).exists()
    with_link.refresh_from_db()
    assert with_link.record is None and with_link.url
    assert AuditEntry.objects.filter(action="events.document_removed", object_id=str(only.pk)).exists()


def test_public_page_groups_by_kind_in_a_fixed_order(past_event, record, client):
    pdf = SimpleUploadedFile("s.pdf", b"%PDF-1.4\n")
    operations.add_event_document(event=past_event, title="Autre chose", file=pdf, acting_user=None)
    operations.add_event_document(
        event=past_event, title="Synthèse", kind=DocumentKind.SYNTHESIS, record=record, acting_user=None
    )
    operations.add_event_document(
        event=past_event, title="Replay", kind=DocumentKind.REPLAY, url="http://video.example/r", acting_user=None
    )
    operations.add_event_document(
        event=past_event, title="Diapos", kind=DocumentKind.PRESENTATION, file=pdf, acting_user=None
    )
    for url in (past_event.get_absolute_url(), reverse("events:past")):
        page = client.get(url).content.decode()
        positions = [page.index(h) for h in ("Replays", "Présentations", "Synthèses", "Autres documents")]
        assert positions == sorted(positions), url


def test_removing_a_link_deletes_no_file(events_client, past_event):
    document = operations.add_event_document(
        event=past_event, title="Replay", kind="replay", url="https://video.example/2", acting_user=None
    )
    response = events_client.post(reverse("events_staff:remove_document", args=[document.pk]))
    assert response.status_code == 302 and EventDocument.objects.count() == 0
