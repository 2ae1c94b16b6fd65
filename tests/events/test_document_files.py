"""An event's uploaded documents are served by the application, which checks who may read them."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from crpv.events import operations
from crpv.events.models import EventDocument, EventStatus

from .conftest import make_event

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n% synthese de la journee\n"


def add_file(event, name="synthese.pdf", content=PDF, public=True):
    operations.add_event_document(
        event=event, title="Synthèse", file=SimpleUploadedFile(name, content), public=public, acting_user=None
    )
    return EventDocument.objects.latest("pk")


@pytest.fixture
def past_event(db):
    return make_event(title="Journée passée", start=timezone.now() - datetime.timedelta(days=5))


def test_the_public_page_links_to_the_file_and_anyone_downloads_it(client, past_event):
    document = add_file(past_event)
    url = document.file.url
    assert url.startswith("/evenements/documents/") and "/media/" not in url
    page = client.get(past_event.get_absolute_url()).content.decode()
    assert f'href="{url}"' in page
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"].startswith("public")
    assert "inline" in response["Content-Disposition"]


def test_a_staff_only_document_is_for_staff(client, past_event, events_client, django_user_model):
    document = add_file(past_event, public=False)
    url = document.file.url
    client.logout()
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    nobody = django_user_model.objects.create_user(username="visiteur", password="x" * 14)
    client.force_login(nobody)
    assert client.get(url).status_code == 404
    client.force_login(django_user_model.objects.get(username="camille"))
    response = client.get(url)
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"


def test_a_draft_event_keeps_its_files_private(client, past_event):
    document = add_file(past_event)
    past_event.status = EventStatus.DRAFT
    past_event.save(update_fields=["status"])
    assert client.get(document.file.url).status_code == 302


def test_a_text_file_holding_html_cannot_script_the_site(client, past_event):
    document = add_file(past_event, name="piege.txt", content=b"<script>alert(document.cookie)</script>")
    response = client.get(document.file.url)
    assert response.status_code == 200
    assert "sandbox" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_wrong_name_or_a_missing_file_is_a_404(client, past_event):
    document = add_file(past_event)
    assert client.get(reverse("events:document_file", args=[document.pk, "autre.pdf"])).status_code == 404
    assert client.get(reverse("events:document_file", args=[document.pk + 1, "synthese.pdf"])).status_code == 404
    document.file.storage.delete(document.file.name)
    assert client.get(document.file.url).status_code == 404
