"""Keeping the full-text index in step with the catalogue.

`index_records(ids)` is the write path: the operations that create, change or
delete records call it (no signals) inside their transaction. It reads the
records with a few set-based queries, so an import of thousands of records
costs a few queries, not one per record. `reindex_all()` rebuilds the whole
index (`manage.py reindex_catalogue`).
"""

import json

from django.db import connection, transaction

from ..models import Agent, Authorship, Concept, Record
from .backends import get_backend
from .text import index_text

CHUNK = 5000

_RECORD_COLUMNS = (
    "id",
    "title",
    "subtitle",
    "part",
    "responsibility",
    "host_title",
    "publisher",
    "series",
    "keywords",
    "themes",
    "abstract",
    "contents",
    "notes",
    "visibility",
)


_json_cache = {}


def _json_list(value):
    """A JSON list column as a list (SQLite gives its text; the same few texts repeat: each is parsed once)."""
    if isinstance(value, list):
        return value
    if not value or value == "[]":
        return []
    parsed = _json_cache.get(value)
    if parsed is None:
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = []
        if not isinstance(parsed, list):
            parsed = []
        if len(_json_cache) >= 10_000:
            _json_cache.clear()
        _json_cache[value] = parsed
    return parsed


def _concept_texts():
    texts = {}
    for pk, pref, alts in Concept.objects.values_list("pk", "pref_label", "alt_labels"):
        texts[pk] = " ".join([pref, *(str(a) for a in (alts or []))])
    return texts


def _documents(where, params, concepts):
    """Yield (id, title text, body text, public) for the alive records matching `where` (SQL on catalogue_record)."""
    yield from _stemmed(*_read(where, params, concepts))


def _read(where, params, concepts):
    """The alive records matching `where` with their authors and subjects: (rows, authors, subjects)."""
    record_table = Record._meta.db_table
    columns = ", ".join(_RECORD_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {columns} FROM {record_table} WHERE deleted_at IS NULL AND {where} ORDER BY id",  # noqa: S608
            params,
        )
        rows = cursor.fetchall()
        if not rows:
            return [], {}, {}
        low, high = rows[0][0], rows[-1][0]
        cursor.execute(
            f"SELECT a.record_id, g.name, g.forename FROM {Authorship._meta.db_table} a "  # noqa: S608
            f"JOIN {Agent._meta.db_table} g ON g.id = a.agent_id WHERE a.record_id BETWEEN %s AND %s",
            [low, high],
        )
        authors = {}
        for record_id, name, forename in cursor.fetchall():
            authors.setdefault(record_id, []).append(f"{forename} {name}")
        through = Record.subjects.through._meta.db_table
        cursor.execute(
            f"SELECT record_id, concept_id FROM {through} WHERE record_id BETWEEN %s AND %s",  # noqa: S608
            [low, high],
        )
        subjects = {}
        for record_id, concept_id in cursor.fetchall():
            subjects.setdefault(record_id, []).append(concepts.get(concept_id, ""))
    return rows, authors, subjects


def _stemmed(rows, authors, subjects):
    """Yield (id, title text, body text, public) from `_read()`'s result: no query, it can feed a COPY as it goes."""
    public_value = Record.Visibility.PUBLIC
    for (
        pk,
        title,
        subtitle,
        part,
        responsibility,
        host,
        publisher,
        series,
        kw,
        themes,
        abstract,
        contents,
        notes,
        visibility,
    ) in rows:
        title_text = index_text(f"{title} {subtitle} {part}")
        body = " ".join(
            [
                responsibility,
                host,
                *authors.get(pk, ()),
                publisher,
                series,
                *subjects.get(pk, ()),
                *(str(k) for k in _json_list(kw)),
                *(str(t) for t in _json_list(themes)),
                abstract,
                contents,
                notes,
            ]
        )
        yield pk, title_text, index_text(body), visibility == public_value


def index_records(ids):
    """Bring the index up to date for these record ids (created, changed, deleted or restored)."""
    ids = sorted({int(i) for i in ids})
    if not ids:
        return
    backend = get_backend()
    concepts = _concept_texts()
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            placeholders = ", ".join(["%s"] * len(chunk))
            read = _read(f"id IN ({placeholders})", chunk, concepts)
            backend.delete(cursor, chunk)
            if read[0]:
                documents = _stemmed(*read)
                # PostgreSQL: the COPY is fed as the records are stemmed (the server works meanwhile).
                backend.load(cursor, documents if backend.vendor == "postgresql" else list(documents))


def remove_records(ids):
    ids = list(ids)
    if ids:
        with connection.cursor() as cursor:
            get_backend().delete(cursor, ids)


def reindex_all(progress=None):
    """Rebuild the whole index from the catalogue; returns the number of records indexed."""
    backend = get_backend()
    concepts = _concept_texts()
    total = 0
    with transaction.atomic(), connection.cursor() as cursor:
        backend.start_rebuild(cursor)
        cursor.execute(f"SELECT MIN(id), MAX(id) FROM {Record._meta.db_table}")  # noqa: S608
        low, high = cursor.fetchone()
        if low is not None:
            step = CHUNK * 4
            for start in range(low, high + 1, step):
                rows, authors, subjects = _read("id >= %s AND id < %s", [start, start + step], concepts)
                documents = _stemmed(rows, authors, subjects)
                # PostgreSQL: the COPY is fed while the next documents are stemmed, so the server computes the
                # tsvectors of one batch while Python stems the following ones (two processes, two cores).
                backend.load(cursor, documents if backend.vendor == "postgresql" else list(documents))
                total += len(rows)
                if progress:
                    progress(total)
        backend.finish_rebuild(cursor)
    return total
