"""Full-text index of the catalogue, one table per engine (docs/adr/0004).

The text is folded and stemmed in Python (PyStemmer) before it reaches the
engine, so both engines hold the same tokens:
- SQLite: an FTS5 table whose rowid is the record id;
- PostgreSQL: a side table with a stored generated tsvector ('simple'
  configuration) and a GIN index. No foreign key: the write path removes a
  record's row, and a foreign key would stop `TRUNCATE catalogue_record`.
The index is filled by `manage.py reindex_catalogue` and kept up to date by the
write path (crpv.catalogue.search.index_records).
"""

from django.db import migrations

SQLITE_CREATE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS catalogue_search USING fts5("
    "title, body, tokenize = 'unicode61 remove_diacritics 0')"
)
POSTGRESQL_CREATE = [
    """
    CREATE TABLE IF NOT EXISTS catalogue_search (
        record_id bigint PRIMARY KEY,
        title text NOT NULL DEFAULT '',
        body text NOT NULL DEFAULT '',
        tsv tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('simple'::regconfig, title), 'A') || setweight(to_tsvector('simple'::regconfig, body), 'B')
        ) STORED
    )
    """,
    "CREATE INDEX IF NOT EXISTS catalogue_search_tsv ON catalogue_search USING gin (tsv)",
]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute(SQLITE_CREATE)
    elif vendor == "postgresql":
        for sql in POSTGRESQL_CREATE:
            schema_editor.execute(sql)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor in ("sqlite", "postgresql"):
        schema_editor.execute("DROP TABLE IF EXISTS catalogue_search")


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0002_saved_searches")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
