"""PostgreSQL only: trigram indexes so `search_key LIKE '%word%'` is indexed.

SQLite needs nothing (see `crpv.core.search`); on other engines this is a no-op.
"""

from django.db import migrations

TABLES = [
    "territories_region",
    "territories_departement",
    "territories_epci",
    "territories_commune",
    "territories_contratdeville",
    "territories_qpv",
    "territories_projetrenouvellement",
    "territories_citeeducative",
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for table in TABLES:
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {table}_search_trgm ON {table} USING gin (search_key gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {table}_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("territories", "0001_initial")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
