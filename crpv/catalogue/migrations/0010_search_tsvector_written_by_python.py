"""PostgreSQL full-text index: the tsvector is written by the application, no longer generated (docs/adr/0004).

`to_tsvector` parsing the stemmed text took ~40 µs per record in the server, most of a full reindex; the
application now builds the same tsvector's text (`crpv.catalogue.search.backends.tsvector_text`) and the
server only reads it (~10 µs). The column keeps its values (`DROP EXPRESSION`); the stemmed texts beside it,
kept only to feed the expression, go. SQLite's FTS5 table is unchanged.

Reverse: the table of migration 0003, empty: run `manage.py reindex_catalogue` after.
"""

from django.db import migrations

FORWARD = [
    "ALTER TABLE catalogue_search ALTER COLUMN tsv DROP EXPRESSION",
    "ALTER TABLE catalogue_search ALTER COLUMN tsv SET NOT NULL",
    "ALTER TABLE catalogue_search DROP COLUMN title, DROP COLUMN body",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARD:
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        from importlib import import_module

        previous = import_module("crpv.catalogue.migrations.0003_full_text_search")
        schema_editor.execute("DROP TABLE IF EXISTS catalogue_search")
        for sql in previous.POSTGRESQL_CREATE:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0009_consultation_appointment_at")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
