"""One full-text backend per engine, behind the same small interface.

Both engines index the same thing: per record, a *title* text and a *body*
text already folded and stemmed in Python (`text.index_text`). So a query
matches the same records on SQLite and PostgreSQL; only the ranking function
differs (FTS5 bm25, PostgreSQL `ts_rank_cd`), with the title weighing more.
See docs/adr/0004-catalogue-full-text-search.md.

- SQLite: an FTS5 table `catalogue_search(title, body)` whose rowid is the
  record id (migration 0002).
- PostgreSQL: a table `catalogue_search(record_id, title, body, tsv)` whose
  `tsv` is a stored generated `tsvector` ('simple' configuration: the text is
  already stemmed) with a GIN index (migration 0002).

`candidates()` is the FTS-only query: it reads at most `cap` matches, the
most recently catalogued first (the engines walk their index in id order and
stop there), with their score, so a very common word never ranks every match.
"""

import json

from django.db import connection
from django.db.models import Q
from django.db.models.expressions import RawSQL

from .query import And, Not, Or, Phrase, Term

TABLE = "catalogue_search"


def _quoted(stem):
    # Stems are [0-9a-z]+ (folded): no quote can appear, the quoting is only for FTS5 keywords.
    return f'"{stem}"'


class BaseBackend:
    vendor = ""

    def compile(self, node):
        raise NotImplementedError

    def id_list(self, ids):
        """An SQL expression for `pk__in=` holding a Python list of ids as one parameter."""
        raise NotImplementedError

    def theme_counts(self, subquery, params):
        """[(theme, number of records)] for the records whose id is in `subquery` (SQL, params)."""
        raise NotImplementedError

    def theme_filter(self, themes):
        """A Q for records having one of these themes."""
        raise NotImplementedError


class SqliteBackend(BaseBackend):
    vendor = "sqlite"
    CREATE = (
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {TABLE} USING fts5("
        "title, body, tokenize = 'unicode61 remove_diacritics 0')"
    )

    def compile(self, node):
        """Tree of stems → FTS5 MATCH expression."""
        if isinstance(node, Term):
            return _quoted(node.word) + (" *" if node.prefix else "")
        if isinstance(node, Phrase):
            last = node.words[-1]
            if last.endswith("*"):
                return '"' + " ".join([*node.words[:-1], last[:-1]]) + '" *'
            return '"' + " ".join(node.words) + '"'
        if isinstance(node, Or):
            return "(" + " OR ".join(self.compile(i) for i in node.items if not isinstance(i, Not)) + ")"
        if isinstance(node, And):
            positive = [self.compile(i) for i in node.items if not isinstance(i, Not)]
            negative = [self.compile(i.item) for i in node.items if isinstance(i, Not)]
            expression = "(" + " AND ".join(positive) + ")"
            if negative:
                expression = f"({expression} NOT ({' OR '.join(negative)}))"
            return expression
        raise ValueError(node)

    def candidates(self, node, cap):
        sql = (
            f"SELECT rowid, bm25({TABLE}, 4.0, 1.0) FROM {TABLE} "  # noqa: S608
            f"WHERE {TABLE} MATCH %s ORDER BY rowid DESC LIMIT %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.compile(node), cap])
            return cursor.fetchall()

    def raw_top(self, node, limit=20):
        """The engine's own best: MATCH + bm25 top `limit` (benchmark bound)."""
        sql = (
            f"SELECT rowid, rank FROM {TABLE} WHERE {TABLE} MATCH %s "  # noqa: S608
            f"AND rank MATCH 'bm25(4.0, 1.0)' ORDER BY rank LIMIT %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.compile(node), limit])
            return cursor.fetchall()

    def id_list(self, ids):
        return RawSQL("SELECT value FROM json_each(%s)", [json.dumps(list(ids))])  # noqa: S611

    def theme_counts(self, subquery, params):
        sql = (
            "SELECT j.value, COUNT(*) FROM catalogue_record r, json_each(r.themes) j "  # noqa: S608
            f"WHERE r.id IN ({subquery}) GROUP BY j.value"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def theme_filter(self, themes):
        placeholders = ", ".join(["%s"] * len(themes))
        sql = f"SELECT r.id FROM catalogue_record r, json_each(r.themes) j WHERE j.value IN ({placeholders})"  # noqa: S608
        return Q(pk__in=RawSQL(sql, list(themes)))  # noqa: S611 (placeholders only)

    def delete(self, cursor, ids):
        cursor.executemany(f"DELETE FROM {TABLE} WHERE rowid = %s", [(i,) for i in ids])  # noqa: S608

    def start_rebuild(self, cursor):
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
        cursor.execute(self.CREATE)
        # No incremental merging during the bulk load: 'optimize' merges everything once at the end.
        cursor.execute(f"INSERT INTO {TABLE}({TABLE}, rank) VALUES ('automerge', 0)")  # noqa: S608

    def load(self, cursor, rows):
        cursor.executemany(f"INSERT INTO {TABLE} (rowid, title, body) VALUES (%s, %s, %s)", rows)  # noqa: S608

    def finish_rebuild(self, cursor):
        cursor.execute(f"INSERT INTO {TABLE}({TABLE}) VALUES ('optimize')")  # noqa: S608
        cursor.execute(f"INSERT INTO {TABLE}({TABLE}, rank) VALUES ('automerge', 4)")  # noqa: S608 (the default)

    def count(self):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {TABLE}")  # noqa: S608
            return cursor.fetchone()[0]


class PostgresqlBackend(BaseBackend):
    vendor = "postgresql"

    def compile(self, node):
        """Tree of stems → tsquery text for `to_tsquery('simple', …)`."""
        if isinstance(node, Term):
            return f"'{node.word}'" + (":*" if node.prefix else "")
        if isinstance(node, Phrase):
            parts = [f"'{w[:-1]}':*" if w.endswith("*") else f"'{w}'" for w in node.words]
            return "(" + " <-> ".join(parts) + ")"
        if isinstance(node, Or):
            return "(" + " | ".join(self.compile(i) for i in node.items if not isinstance(i, Not)) + ")"
        if isinstance(node, And):
            positive = [self.compile(i) for i in node.items if not isinstance(i, Not)]
            negative = [f"!{self.compile(i.item)}" for i in node.items if isinstance(i, Not)]
            return "(" + " & ".join(positive + negative) + ")"
        raise ValueError(node)

    def candidates(self, node, cap):
        sql = (
            "SELECT c.id, -ts_rank_cd(c.tsv, q.q, 1) FROM "  # noqa: S608
            f"(SELECT record_id AS id, tsv FROM {TABLE} WHERE tsv @@ to_tsquery('simple', %s) "
            "ORDER BY record_id DESC LIMIT %s) c, to_tsquery('simple', %s) q(q)"
        )
        expression = self.compile(node)
        with connection.cursor() as cursor:
            cursor.execute(sql, [expression, cap, expression])
            return cursor.fetchall()

    def raw_top(self, node, limit=20):
        """tsvector @@ tsquery + ts_rank_cd top `limit` (benchmark bound)."""
        sql = (
            f"SELECT record_id, ts_rank_cd(tsv, q, 1) AS r FROM {TABLE}, to_tsquery('simple', %s) q "  # noqa: S608
            "WHERE tsv @@ q ORDER BY r DESC LIMIT %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.compile(node), limit])
            return cursor.fetchall()

    def id_list(self, ids):
        # A plain list: `id IN (…)` is planned as `id = ANY(…)` on the primary key index whatever the
        # statistics. `IN (SELECT unnest(…))` on a table without statistics (just loaded, not yet analysed)
        # was planned as a nested loop comparing every row with every id (20 s for 4 772 ids on 200 000 rows).
        return list(ids)

    def theme_counts(self, subquery, params):
        sql = (
            "SELECT j.value, COUNT(*) FROM catalogue_record r "  # noqa: S608
            "CROSS JOIN LATERAL jsonb_array_elements_text("
            "CASE WHEN jsonb_typeof(r.themes) = 'array' THEN r.themes ELSE '[]'::jsonb END) j(value) "
            f"WHERE r.id IN ({subquery}) GROUP BY j.value"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def theme_filter(self, themes):
        q = Q()
        for theme in themes:
            q |= Q(themes__contains=[theme])
        return q

    def delete(self, cursor, ids):
        cursor.execute(f"DELETE FROM {TABLE} WHERE record_id = ANY(%s)", [list(ids)])  # noqa: S608

    def start_rebuild(self, cursor):
        cursor.execute(f"TRUNCATE {TABLE}")
        cursor.execute("DROP INDEX IF EXISTS catalogue_search_tsv")

    def load(self, cursor, rows):
        raw = cursor.cursor if hasattr(cursor, "cursor") else cursor
        with raw.copy(f"COPY {TABLE} (record_id, title, body) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def finish_rebuild(self, cursor):
        cursor.execute(f"CREATE INDEX catalogue_search_tsv ON {TABLE} USING gin (tsv)")
        cursor.execute(f"ANALYZE {TABLE}")

    def count(self):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {TABLE}")  # noqa: S608
            return cursor.fetchone()[0]


_BACKENDS = {"sqlite": SqliteBackend, "postgresql": PostgresqlBackend}


def get_backend():
    try:
        return _BACKENDS[connection.vendor]()
    except KeyError:
        raise NotImplementedError(f"pas de recherche plein texte pour {connection.vendor}") from None
