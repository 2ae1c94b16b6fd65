"""One full-text backend per engine, behind the same small interface.

Both engines index the same thing: per record, a *title* text and a *body*
text already folded and stemmed in Python (`text.index_text`). So a query
matches the same records on SQLite and PostgreSQL; only the ranking function
differs (FTS5 bm25, PostgreSQL `ts_rank_cd`), with the title weighing more.
See docs/adr/0004-catalogue-full-text-search.md.

- SQLite: an FTS5 table `catalogue_search(title, body)` whose rowid is the
  record id (migration 0003).
- PostgreSQL: a table `catalogue_search(record_id, tsv, public)` whose `tsv` is
  the 'simple' tsvector of those texts (weights A and B), built in Python as text
  (`tsvector_text`, migration 0010; it was a generated column) with a GIN index,
  and `public` whether the record is public (migration 0013).

Only alive records are indexed, and a public search keeps only the public ones
in the FTS query itself, without reading each candidate's record: PostgreSQL
tests `public` on the row it reads anyway for the rank; SQLite leaves out the
few staff-only ids, read from the records' index `catalogue_record_public`
(an FTS5 column would be read from the FTS5 content table, row by row: 2–3×
slower). See docs/adr/0004.

`candidates()` is the FTS-only query: it reads at most `cap` matches, the
most recently catalogued first, with their score, so a very common word never
ranks every match (FTS5 walks its index in id order and stops there;
PostgreSQL chooses between walking the primary key and the GIN bitmap).
"""

from collections import Counter
from itertools import islice
from operator import concat

from django.db import connection
from django.db.models import BooleanField, F, Func, Q
from django.db.models.expressions import RawSQL

from ..models import Record
from .query import And, Not, Or, Phrase, Term

TABLE = "catalogue_search"


class InIds(Func):
    """`field` is one of `ids`, the whole list sent as one parameter (a condition for `.filter()`).

    PostgreSQL: `field = ANY(%s)` with an array; SQLite: `field IN (SELECT value FROM json_each(%s))`. A
    list of 5 000 ids as 5 000 parameters (`field__in=ids`) cost 20–40 ms per query on PostgreSQL (quoting,
    sending and parsing each one), and a search with facets sends its candidates' ids five times.
    """

    output_field = BooleanField()

    def __init__(self, field, ids):
        super().__init__(F(field))
        self.ids = ids

    def as_sql(self, compiler, connection, **extra_context):
        lhs, params = compiler.compile(self.source_expressions[0])
        # The list as one text ('{1,2}' / '[1,2]'): psycopg's own list adapter took 12 ms for 5 000 ints.
        text = ",".join(map(str, self.ids))
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s::bigint[])", [*params, "{" + text + "}"]
        return f"{lhs} IN (SELECT value FROM json_each(%s))", [*params, "[" + text + "]"]  # noqa: S608


def _quoted(stem):
    # Stems are [0-9a-z]+ (folded): no quote can appear, the quoting is only for FTS5 keywords.
    return f'"{stem}"'


class BaseBackend:
    vendor = ""

    def compile(self, node):
        raise NotImplementedError

    def candidates(self, node, cap, public_only=False):
        """[(record id, score)]: the `cap` most recent matches of `node` (public ones if asked), best score lowest."""
        raise NotImplementedError

    def in_ids(self, field, ids):
        """A condition for `.filter()`: `field` is one of `ids` (sent as one parameter)."""
        return InIds(field, ids)

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
    # The staff-only alive records, from the covering index (visibility, deleted_at, id): a few per cent of the
    # catalogue, made once into a set that each match is looked up in.
    _HIDDEN = (
        f" AND rowid NOT IN (SELECT id FROM {Record._meta.db_table} "  # noqa: S608
        f"WHERE visibility = '{Record.Visibility.STAFF}' AND deleted_at IS NULL)"
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

    def candidates(self, node, cap, public_only=False):
        sql = (
            f"SELECT rowid, bm25({TABLE}, 4.0, 1.0) FROM {TABLE} "  # noqa: S608
            f"WHERE {TABLE} MATCH %s{self._HIDDEN if public_only else ''} ORDER BY rowid DESC LIMIT %s"
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
        """Write (id, title, body, public) rows (`public` is read from the records, see `_HIDDEN`)."""
        cursor.executemany(
            f"INSERT INTO {TABLE} (rowid, title, body) VALUES (%s, %s, %s)",  # noqa: S608
            ((pk, title, body) for pk, title, body, _ in rows),
        )

    def finish_rebuild(self, cursor):
        cursor.execute(f"INSERT INTO {TABLE}({TABLE}) VALUES ('optimize')")  # noqa: S608
        cursor.execute(f"INSERT INTO {TABLE}({TABLE}, rank) VALUES ('automerge', 4)")  # noqa: S608 (the default)

    def count(self):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {TABLE}")  # noqa: S608
            return cursor.fetchone()[0]


# What PostgreSQL computed in the column's former expression (migration 0003): the server's text parser took
# ~40 µs per record, reading a tsvector literal ~10 µs. `tsvector_text()` gives the same value from Python.
TSVECTOR_SQL = "setweight(to_tsvector('simple', %s), 'A') || setweight(to_tsvector('simple', %s), 'B')"
_MAX_POSITION = 16383  # PostgreSQL keeps positions up to this one, and at most 255 per word in to_tsvector
_SUFFIX_A = [f":{i}A" for i in range(1, _MAX_POSITION + 1)]  # the i-th word's position and weight
_SUFFIX_B = [f":{i}B" for i in range(1, _MAX_POSITION + 1)]


def tsvector_text(title, body):
    """The text of `TSVECTOR_SQL`'s value for these stemmed texts, or None where PostgreSQL would truncate.

    `title` and `body` are `text.index_text()` results: stems of `[0-9a-z]`, one space apart, which the
    'simple' configuration keeps as they are, one position each. So `to_tsvector` gives each stem its
    positions 1, 2, …; `setweight` marks them A (title) or B (body); `||` shifts the body's positions by the
    title's last one. The text repeats a stem once per position (`polit:1A vill:2A polit:5B`): reading it,
    PostgreSQL merges them (`'polit':1A,5B`), and building it takes no Python loop per word (~3 µs a record;
    grouping the positions in Python took 25). The rare documents where PostgreSQL would drop or clamp
    positions (16 383 words or more, a stem more than 255 times, a stem of 1 000 characters or more) give None:
    the server computes those with `TSVECTOR_SQL`. A test compares both on PostgreSQL.
    """
    title_words = title.split()
    body_words = body.split()
    shift = len(title_words)
    count = shift + len(body_words)
    if count >= _MAX_POSITION:
        return None
    if count > 255 and max(Counter(title_words + body_words).values()) > 255:
        return None
    if len(title) + len(body) >= 1000 and max(map(len, title_words + body_words)) >= 1000:
        return None
    return " ".join([*map(concat, title_words, _SUFFIX_A), *map(concat, body_words, islice(_SUFFIX_B, shift, None))])


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

    # How many of the most recent rows `candidates()` reads first, to see how common the query is.
    PROBE = 1000
    # A row walked on the primary key (read, tested) costs about this fraction of a match read through the GIN
    # bitmap (random heap page, test, rank): measured 0.6 µs against 3–4 µs on 200 000 and 1 000 000 rows.
    WALK_COST = 0.2

    _WALK = (
        # The `n` most recent rows below `before`, walked on the primary key; the LIMIT subquery is a fence:
        # the condition is tested on those rows only, whatever the planner thinks of the query. Each row is
        # scored in the CTE, which so keeps (id, score) only, not the tsvectors (up to 100 000 rows).
        # {public}: `AND s.public` for a public search, else nothing.
        "WITH w AS MATERIALIZED (SELECT s.record_id, "  # noqa: S608
        "CASE WHEN s.tsv @@ q{public} THEN -ts_rank_cd(s.tsv, q, 1)::float8 END AS score FROM "
        "(SELECT record_id, tsv, public FROM " + TABLE + " WHERE record_id < %s ORDER BY record_id DESC LIMIT %s) s, "
        "to_tsquery('simple', %s) q) "
        "SELECT record_id, score FROM w WHERE score IS NOT NULL "
        "UNION ALL SELECT min(record_id), -count(*)::float8 FROM w"
    )
    _BITMAP = (
        # All the matches below `before` from the GIN index, the most recent `n` kept: `record_id + 0` is not
        # the primary key's order, so the planner cannot walk that index testing every row; nor can it AND the
        # GIN bitmap with a primary key bitmap of every row below `before` (what the generic plan of the
        # prepared statement did: +10 ms on 200 000 rows, +100 ms on 1 000 000).
        "SELECT record_id, -ts_rank_cd(tsv, q, 1) FROM " + TABLE + ", to_tsquery('simple', %s) q "  # noqa: S608
        "WHERE tsv @@ q{public} AND record_id + 0 < %s ORDER BY record_id + 0 DESC LIMIT %s"
    )

    def candidates(self, node, cap, public_only=False):
        """The `cap` most recent matches with their score, by the cheaper of two plans.

        A common query (many matches among the most recent rows) walks the primary key from the most recent
        row, testing each, until `cap` matches: ~cap / density rows read. A rarer one reads all its matches
        through the GIN bitmap and keeps the most recent: ~matches rows read. PostgreSQL's own choice rests
        on its estimate of the matches, which is often far off (a phrase estimated at 8 700 matches had 285:
        it walked all 200 000 rows, 240 ms). So `PROBE` most recent rows are walked first, and the density
        found there chooses. Both plans give the same rows: the most recent `cap` matches.
        """
        expression = self.compile(node)
        found = []
        before = 2**62
        walk = self._WALK.format(public=" AND s.public" if public_only else "")
        bitmap = self._BITMAP.format(public=" AND public" if public_only else "")
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT reltuples FROM pg_class WHERE oid = '{TABLE}'::regclass")  # noqa: S608
            total = max(cursor.fetchone()[0], 0)
            walked, batch = 0, min(self.PROBE, cap)
            while True:
                cursor.execute(walk, [before, batch, expression])
                rows = cursor.fetchall()
                lowest, read = rows.pop()  # the last row: the walked rows' lowest id and their number (negated)
                rows.sort(reverse=True)  # the most recent first, for the cut at `cap`
                found.extend(rows[: cap - len(found)])
                if -read < batch or len(found) >= cap:  # the whole index was read, or enough matches
                    return found
                walked += batch
                before = lowest
                density = len(found) / walked
                need = cap - len(found)
                # Walk on while reading `need / density` more rows costs less than the bitmap's matches left.
                if density <= 0 or need / density * self.WALK_COST > density * max(total - walked, 0):
                    break
                batch = min(max(int(need / density * 1.2), self.PROBE), 100_000)
            cursor.execute(bitmap, [expression, before, need])
            found.extend(cursor.fetchall())
        return found

    def raw_top(self, node, limit=20):
        """tsvector @@ tsquery + ts_rank_cd top `limit` (benchmark bound)."""
        sql = (
            f"SELECT record_id, ts_rank_cd(tsv, q, 1) AS r FROM {TABLE}, to_tsquery('simple', %s) q "  # noqa: S608
            "WHERE tsv @@ q ORDER BY r DESC LIMIT %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.compile(node), limit])
            return cursor.fetchall()

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
        """Write (id, title, body, public) rows: COPY of their tsvectors built in Python (`tsvector_text`)."""
        raw = cursor.cursor if hasattr(cursor, "cursor") else cursor
        by_server = []
        with raw.copy(f"COPY {TABLE} (record_id, tsv, public) FROM STDIN") as copy:
            for pk, title, body, public in rows:
                text = tsvector_text(title, body)
                if text is None:
                    by_server.append((pk, title, body, bool(public)))
                else:
                    copy.write_row((pk, text, "t" if public else "f"))
        if by_server:
            cursor.executemany(
                f"INSERT INTO {TABLE} (record_id, tsv, public) VALUES (%s, {TSVECTOR_SQL}, %s)",  # noqa: S608
                by_server,
            )

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
