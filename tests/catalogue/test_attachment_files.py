"""A record's attached files are served by the application, which checks who may read them."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from crpv.catalogue.models import Attachment, Record

pytestmark = pytest.mark.django_db


def attach(record, access=Attachment.Access.PUBLIC, name="kit.pdf", content=b"%PDF-1.4\n% kit\n"):
    return Attachment.objects.create(record=record, file=ContentFile(content, name=name), access=access)


@pytest.fixture
def record(db):
    return Record.objects.create(title="Kit pédagogique laïcité", record_type="kit", visibility="public")


def test_the_record_page_links_to_a_public_file_anyone_downloads(client, record):
    attachment = attach(record)
    url = attachment.file.url
    assert url.startswith("/ressources/fichiers/")
    assert f'href="{url}"' in client.get(record.get_absolute_url()).content.decode()
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4\n% kit\n"


@pytest.mark.parametrize("case", ["staff-only file", "staff-only record", "deleted record"])
def test_files_that_are_not_public_are_for_catalogue_staff(client, record, staff_client, case, django_user_model):
    attachment = attach(record, access=Attachment.Access.STAFF if case == "staff-only file" else "public")
    if case == "staff-only record":
        record.visibility = "staff"
        record.save()
    elif case == "deleted record":
        Record.objects.filter(pk=record.pk).update(deleted_at="2026-01-01T00:00:00Z")
    url = attachment.file.url
    # The chargé·e de mission role reads the catalogue (docs/roles.md).
    response = staff_client.get(url)
    assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
    staff_client.force_login(django_user_model.objects.create_user(username="lecteur", password="x" * 14))
    assert staff_client.get(url).status_code == 404
    staff_client.logout()
    assert staff_client.get(url)["Location"].startswith(reverse("login"))


def test_a_file_that_is_not_shown_inline_is_downloaded(client, record):
    attachment = attach(record, name="tableau.xlsx", content=b"PK\x03\x04")
    response = client.get(attachment.file.url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert "sandbox" in response["Content-Security-Policy"]


def test_a_wrong_name_is_a_404(client, record):
    attachment = attach(record)
    assert client.get(reverse("catalogue:attachment_file", args=[attachment.pk, "autre.pdf"])).status_code == 404


def test_the_admin_links_to_the_file_through_the_application(admin_client, record):
    attachment = attach(record, access=Attachment.Access.STAFF)
    page = admin_client.get(reverse("admin:catalogue_record_change", args=[record.pk])).content.decode()
    assert f'href="{attachment.file.url}"' in page
    assert "/media/" not in page
    assert admin_client.get(attachment.file.url).status_code == 200
