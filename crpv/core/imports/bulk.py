"""Fast inserts for imports, without the ORM per row.

`bulk_create` spends most of its time preparing each value of each object;
an import that already validated and converted its rows can skip that. Only
for plain columns (no signals, no `save()` logic): the caller fills every
column itself, including `created_at`/`updated_at` and normalised fields.

PostgreSQL gets `COPY … FROM STDIN` (psycopg 3 `cursor.copy`), several times
faster than a pipelined `executemany` of INSERTs; SQLite gets one
`executemany`, already close to its own bound. Both run in the caller's
transaction.
"""

from django.db import connection


def db_value(model, field_name, value):
    """`value` as the database driver expects it for this field (dates, datetimes…)."""
    return model._meta.get_field(field_name).get_db_prep_save(value, connection)


def insert_rows(model, field_names, rows, *, with_ids=False):
    """Insert `rows` (tuples in the order of `field_names`); return the new pks if asked.

    Must run inside a transaction. The pks are reserved first: from the
    sequence on PostgreSQL; on SQLite from the table's AUTOINCREMENT counter,
    which is safe because the project's SQLite transactions are IMMEDIATE
    (the write lock is held from the start, see FACTS.md).
    """
    if not rows:
        return []
    meta = model._meta
    table = meta.db_table
    quote = connection.ops.quote_name
    columns = [meta.get_field(name).column for name in field_names]
    ids = []
    with connection.cursor() as cursor:
        if with_ids:
            pk = meta.pk.column
            if connection.vendor == "postgresql":
                cursor.execute(
                    "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                    [table, pk, len(rows)],
                )
                ids = [row[0] for row in cursor.fetchall()]
            else:
                cursor.execute(f"SELECT COALESCE(MAX({quote(pk)}), 0) FROM {quote(table)}")  # noqa: S608
                top = cursor.fetchone()[0]
                cursor.execute("SELECT COALESCE(MAX(seq), 0) FROM sqlite_sequence WHERE name = %s", [table])
                top = max(top, cursor.fetchone()[0])
                ids = list(range(top + 1, top + 1 + len(rows)))
            rows = [(pk_value, *row) for pk_value, row in zip(ids, rows, strict=True)]
            columns = [pk, *columns]
        column_list = ", ".join(quote(c) for c in columns)
        if connection.vendor == "postgresql" and hasattr(cursor.cursor, "copy"):  # psycopg 3
            with cursor.cursor.copy(f"COPY {quote(table)} ({column_list}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {quote(table)} ({column_list}) VALUES ({placeholders})"  # noqa: S608
            cursor.executemany(sql, rows)
    return ids
