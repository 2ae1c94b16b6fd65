"""The full-text index says which records are public (docs/adr/0004).

A public search then keeps only public matches in the FTS query itself, instead of
reading each candidate's row of `catalogue_record` for its visibility (the cost that
put selective searches over their target on PostgreSQL at 200 000 records).

- SQLite: an FTS5 table cannot gain a column; the table is rebuilt with `public
  UNINDEXED`, its stored texts copied (no stemming again) with each record's flag.
- PostgreSQL: a boolean column, set from the records.

Both are kept up to date by `index_records` (the write path) and `reindex_all`.
"""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE catalogue_search_new USING fts5("
    "title, body, public UNINDEXED, tokenize = 'unicode61 remove_diacritics 0')",
    "INSERT INTO catalogue_search_new(catalogue_search_new, rank) VALUES ('automerge', 0)",
    "INSERT INTO catalogue_search_new (rowid, title, body, public) "
    "SELECT s.rowid, s.title, s.body, CASE WHEN r.visibility = 'public' THEN 1 ELSE 0 END "
    "FROM catalogue_search s JOIN catalogue_record r ON r.id = s.rowid ORDER BY s.rowid",
    "INSERT INTO catalogue_search_new(catalogue_search_new) VALUES ('optimize')",
    "INSERT INTO catalogue_search_new(catalogue_search_new, rank) VALUES ('automerge', 4)",
    "DROP TABLE catalogue_search",
    "ALTER TABLE catalogue_search_new RENAME TO catalogue_search",
]
SQLITE_BACKWARD = [
    "CREATE VIRTUAL TABLE catalogue_search_old USING fts5("
    "title, body, tokenize = 'unicode61 remove_diacritics 0')",
    "INSERT INTO catalogue_search_old (rowid, title, body) SELECT rowid, title, body FROM catalogue_search",
    "DROP TABLE catalogue_search",
    "ALTER TABLE catalogue_search_old RENAME TO catalogue_search",
]
POSTGRESQL_FORWARD = [
    "ALTER TABLE catalogue_search ADD COLUMN public boolean NOT NULL DEFAULT true",
    "UPDATE catalogue_search s SET public = false FROM catalogue_record r "
    "WHERE r.id = s.record_id AND r.visibility <> 'public'",
]
POSTGRESQL_BACKWARD = ["ALTER TABLE catalogue_search DROP COLUMN public"]


def _run(schema_editor, by_vendor):
    for sql in by_vendor.get(schema_editor.connection.vendor, []):
        schema_editor.execute(sql)


def forward(apps, schema_editor):
    _run(schema_editor, {"sqlite": SQLITE_FORWARD, "postgresql": POSTGRESQL_FORWARD})


def backward(apps, schema_editor):
    _run(schema_editor, {"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRESQL_BACKWARD})


class Migration(migrations.Migration):
    dependencies = [("catalogue", "0012_record_public_index")]

    operations = [migrations.RunPython(forward, backward, elidable=False)]
