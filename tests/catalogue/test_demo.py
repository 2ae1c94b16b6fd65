"""The demonstration catalogue: loads, is searchable, and a second run creates nothing."""

from io import StringIO

import pytest
from django.core.management import call_command

from crpv.catalogue.models import Record
from crpv.catalogue.search import reindex_all, search_records

pytestmark = pytest.mark.django_db


def test_demo_catalogue_is_idempotent_and_searchable():
    reindex_all()
    call_command("load_thesaurus", stdout=StringIO())
    out = StringIO()
    call_command("load_demo_catalogue", "--count", "60", stdout=out)
    assert "77 notice(s) de démonstration créée(s)" in out.getvalue()
    first = sorted(Record.objects.values_list("source_identifier", "title"))
    out = StringIO()
    call_command("load_demo_catalogue", "--count", "60", stdout=out)
    assert "0 notice(s) de démonstration créée(s), 77 déjà présente(s)" in out.getvalue()
    assert sorted(Record.objects.values_list("source_identifier", "title")) == first
    assert Record.objects.toolbox().count() == 17
    titles = [r.title for r in search_records(Record.objects.public(), "kit discriminations").records]
    assert "Kit de sensibilisation à la prévention des discriminations" in titles
    assert search_records(Record.objects.public(), "replay webinaire").total == 4
