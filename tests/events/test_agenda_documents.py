"""Staff upload of documents after the event: size and type checks, public page."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from crpv.core.models import AuditEntry
from crpv.events.models import EventDocument

from .conftest import make_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def past_event(db):
    return make_event(title="Journée passée", start=timezone.now() - datetime.timedelta(days=5))


def upload(client, event, name, content, title="Synthèse", kind="synthese"):
    url = reverse("events_staff:documents", args=[event.pk])
    data = {"title": title, "kind": kind, "file": SimpleUploadedFile(name, content), "public": "on"}
    return client.post(url, data)


def test_staff_uploads_a_pdf_shown_on_the_public_page(events_client, past_event, client):
    response = upload(events_client, past_event, "synthese.pdf", b"%PDF-1.7\n...")
    assert response.status_code == 302
    document = EventDocument.objects.get()
    assert document.file.name.endswith(".pdf") and "synthese" not in document.file.name
    assert AuditEntry.objects.filter(action="events.document_added").count() == 1
    listing = events_client.get(reverse("events_staff:documents", args=[past_event.pk])).content.decode()
    assert "Synthèse" in listing
    events_client.logout()
    assert "Synthèse" in client.get(past_event.get_absolute_url()).content.decode()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("script.exe", b"MZ\x90\x00", "Type de fichier refusé"),
        ("faux.pdf", b"<html>not a pdf</html>", "ne correspond pas"),
        ("tableur.xlsx", b"PK\x03\x04", "Type de fichier refusé"),
        ("image.png", b"\xff\xd8\xff\xe0 jpeg bytes", "ne correspond pas"),
    ],
)
def test_wrong_types_are_refused(events_client, past_event, name, content, message):
    response = upload(events_client, past_event, name, content)
    assert response.status_code == 400 and message in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    assert EventDocument.objects.count() == 0


def test_oversize_is_refused(events_client, past_event, settings):
    settings.CRPV_MAX_UPLOAD_MB = 1
    response = upload(events_client, past_event, "gros.pdf", b"%PDF-" + b"0" * (1024 * 1024 + 1))
    assert response.status_code == 400 and "taille maximale (1 Mo)" in response.content.decode()
    assert EventDocument.objects.count() == 0


def test_staff_removes_a_document(events_client, past_event):
    upload(events_client, past_event, "diapos.pptx", b"PK\x03\x04...")
    document = EventDocument.objects.get()
    response = events_client.post(reverse("events_staff:remove_document", args=[document.pk]))
    assert response.status_code == 302 and EventDocument.objects.count() == 0
    assert AuditEntry.objects.filter(action="events.document_removed").exists()


def test_uploads_need_the_permission(staff_client, staff_user, past_event):
    staff_user.groups.clear()
    assert staff_client.get(reverse("events_staff:documents", args=[past_event.pk])).status_code == 403
