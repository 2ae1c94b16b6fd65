"""Records edited in the admin are searchable at once (the index follows the write)."""

from types import SimpleNamespace

import pytest
from django.contrib import admin
from django.test import RequestFactory

from crpv.catalogue.admin import RecordAdmin
from crpv.catalogue.models import Record
from crpv.catalogue.search import reindex_all, search_records

pytestmark = pytest.mark.django_db


def found(query):
    return [r.pk for r in search_records(Record.objects.alive(), query, with_facets=False).records]


def test_saving_in_the_admin_indexes_the_record(staff_user):
    reindex_all()
    record = Record.objects.create(record_type="rapport", title="Gestion urbaine de proximité", publication_year=2024)
    assert found("proximité") == []  # created outside the write path: not indexed yet

    model_admin = RecordAdmin(Record, admin.site)
    request = RequestFactory().post("/")
    request.user = staff_user
    model_admin.save_related(request, SimpleNamespace(instance=record, save_m2m=lambda: None), [], change=False)
    assert found("proximité") == [record.pk]

    model_admin.delete_model(request, record)
    assert found("proximité") == []


def test_imported_deleted_and_restored_records_follow_in_search(staff_user, django_capture_on_commit_callbacks):
    from crpv.catalogue.formats import ris
    from crpv.catalogue.operations import delete_record, import_records, restore_record

    reindex_all()
    parsed = ris.parse(b"TY  - RPRT\r\nTI  - Diagnostic en marchant dans les quartiers\r\nPY  - 2023\r\nER  - \r\n")
    with django_capture_on_commit_callbacks(execute=True):
        report = import_records(parsed=parsed, acting_user=staff_user)
    assert report.written
    record = Record.objects.get(title="Diagnostic en marchant dans les quartiers")
    assert found("marchant") == [record.pk]
    with django_capture_on_commit_callbacks(execute=True):
        delete_record(record=record, acting_user=staff_user)
    assert found("marchant") == []
    with django_capture_on_commit_callbacks(execute=True):
        restore_record(record=record, acting_user=staff_user)
    assert found("marchant") == [record.pk]
