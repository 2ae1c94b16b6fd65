"""INSERT of one model instance with the statement's text built once per model.

`Model.save()` compiles its INSERT on every call: ~0.2 ms of CPU per row,
which is a quarter of a registration POST (four inserts) under a burst. For
the hot write paths only (the registration, its audit entry, a new person),
`insert(obj)` builds the SQL once per model and database, then only converts
the values, with the same field methods the ORM's compiler calls
(`pre_save`, `get_db_prep_save`). See docs/adr/0005-database-connections.md.

What it does not do, by design: send `pre_save`/`post_save` signals (nothing
of ours listens on these models; tests/core/test_fastinsert.py checks the
models it is used on have no receivers), call the model's `save()` override
(callers prepare the instance first), or handle expressions as values. An
IntegrityError is raised exactly as with `save()`.
"""

from django.db import connections, router
from django.db.models.signals import post_save, pre_save

_statements = {}


def _statement(model, connection):
    key = (model, connection.alias)
    entry = _statements.get(key)
    if entry is None:
        meta = model._meta
        fields = [f for f in meta.local_concrete_fields if f is not meta.auto_field and not f.generated]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in fields)
        placeholders = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608
        if meta.auto_field is not None:
            sql += f" RETURNING {quote(meta.auto_field.column)}"
        entry = _statements[key] = (sql, fields)
    return entry


def has_receivers(model):
    return pre_save.has_listeners(model) or post_save.has_listeners(model)


def insert(obj):
    """Insert `obj` (a new instance) as `obj.save(force_insert=True)` would, without signals; returns it."""
    model = type(obj)
    connection = connections[router.db_for_write(model, instance=obj)]
    if not connection.features.can_return_columns_from_insert or model._meta.parents:
        obj.save(force_insert=True)
        return obj
    sql, fields = _statement(model, connection)
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection=connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if model._meta.auto_field is not None:
            setattr(obj, model._meta.auto_field.attname, cursor.fetchone()[0])
    obj._state.adding = False
    obj._state.db = connection.alias
    return obj
