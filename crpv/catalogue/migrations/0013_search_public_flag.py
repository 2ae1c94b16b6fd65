"""PostgreSQL's full-text index says which records are public (docs/adr/0004).

A public search then keeps only public matches in the FTS query itself, instead of
reading each candidate's row of `catalogue_record` for its visibility (the cost that
put selective searches over their target on PostgreSQL at 200 000 records). The
flag is kept up to date by `index_records` (the write path) and `reindex_all`.

SQLite's FTS5 table is unchanged: it leaves out the staff-only ids read from the
records' index instead (an FTS5 column is read row by row from its content table).
"""

from django.db import migrations

FORWARD = [
    "ALTER TABLE catalogue_search ADD COLUMN public boolean NOT NULL DEFAULT true",
    "UPDATE catalogue_search s SET public = false FROM catalogue_record r "
    "WHERE r.id = s.record_id AND r.visibility <> 'public'",
]
BACKWARD = ["ALTER TABLE catalogue_search DROP COLUMN public"]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARD:
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0012_record_public_index")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
