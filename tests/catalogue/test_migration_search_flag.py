"""Migration 0013 gives an existing PostgreSQL index its `public` flags (SQLite: nothing to do, the same results)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from crpv.catalogue.models import Record
from crpv.catalogue.search import index_records
from crpv.catalogue.search.backends import TABLE, get_backend
from crpv.catalogue.search.query import compile_query

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("catalogue", "0012_record_public_index")]
AFTER = [("catalogue", "0013_search_public_flag")]


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)


def indexed_ids():
    with connection.cursor() as cursor:
        column = "rowid" if connection.vendor == "sqlite" else "record_id"
        cursor.execute(f"SELECT {column} FROM {TABLE} ORDER BY 1")  # noqa: S608
        return [row[0] for row in cursor.fetchall()]


def test_the_flags_are_written_from_the_records_and_the_texts_kept():
    public = Record.objects.create(record_type="rapport", title="Mobilités dans les quartiers")
    staff = Record.objects.create(record_type="rapport", title="Mobilités : note interne", visibility="staff")
    index_records([public.pk, staff.pk])
    tree = compile_query("mobilité")
    try:
        migrate(BEFORE)
        assert indexed_ids() == sorted([public.pk, staff.pk])  # the stemmed texts are still there
        migrate(AFTER)
        backend = get_backend()
        assert sorted(pk for pk, _ in backend.candidates(tree, 10)) == sorted([public.pk, staff.pk])
        assert [pk for pk, _ in backend.candidates(tree, 10, public_only=True)] == [public.pk]
    finally:
        migrate(AFTER)
