"""Accent-insensitive search over a stored folded key, one backend per engine.

Models that can be searched by name or code keep a `search_key` column holding
`build_search_key(name, codes…)`. Queries are folded the same way, so "bethune"
finds "Béthune" and "qn05901m" finds "QN05901M" on every engine.

The implementations return the same rows (tested); what differs per engine is
how the `LIKE '%word%'` on the folded key is served: a scan on SQLite (a few
thousand short ASCII keys), GIN trigram indexes on PostgreSQL (`pg_trgm`,
created by a migration guarded on the engine).
"""

import re
from functools import reduce
from operator import and_

from django.db import connection
from django.db.models import Case, CharField, IntegerField, Lookup, Q, Value, When

from crpv.core.text import fold

SEARCH_KEY_MAX_LENGTH = 400
_NON_WORD = re.compile(r"[^0-9a-z]+")  # as in crpv.core.text.fold


def build_search_key(*terms):
    """The folded key stored in `search_key`: one function for `save()` and bulk writes."""
    text = " ".join(str(t) for t in terms if t)
    # Same result as `fold`, without its per-character pass when there is no accent.
    folded = _NON_WORD.sub(" ", text.lower()).strip() if text.isascii() else fold(text)
    return folded[:SEARCH_KEY_MAX_LENGTH]


def escape_like(value):
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@CharField.register_lookup
class FoldedContains(Lookup):
    """`<folded column>__folded_contains="word"` → `column LIKE '%word%'`, without Django's `::text` cast.

    For an operand already folded (lower-case ASCII letters, digits, spaces), so the
    plain `LIKE` gives the same rows on every engine. Same plan as `contains` on
    PostgreSQL (the trigram index serves both).
    """

    lookup_name = "folded_contains"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        params = [*lhs_params, *(f"%{escape_like(p)}%" for p in rhs_params)]
        return f"{lhs} LIKE {rhs} ESCAPE '\\'", params


class BaseSearchBackend:
    """Every folded word of the query must appear in the key."""

    def filter(self, queryset, query, field="search_key"):
        words = fold(query).split()
        if not words:
            return queryset.none()
        condition = reduce(and_, (Q(**{f"{field}__contains": w}) for w in words))
        return queryset.filter(condition)

    def rank(self, queryset, query, field="search_key", code_field=None):
        """Exact code first, then exact name, then name prefix, then the rest."""
        folded = fold(query)
        whens = []
        if code_field:
            whens.append(When(**{f"{code_field}__iexact": query.strip()}, then=Value(0)))
        whens += [
            When(**{field: folded}, then=Value(1)),
            When(**{f"{field}__startswith": f"{folded} "}, then=Value(1)),
            When(**{f"{field}__startswith": folded}, then=Value(2)),
        ]
        return queryset.annotate(search_rank=Case(*whens, default=Value(3), output_field=IntegerField())).order_by(
            "search_rank"
        )


class SqliteSearchBackend(BaseSearchBackend):
    """SQLite: `LIKE '%word%'` on the folded key; a full scan of a few thousand short keys, under a millisecond."""


class PostgresqlSearchBackend(BaseSearchBackend):
    """PostgreSQL: the same `LIKE`, served by the GIN trigram indexes of migration territories 0002.

    Django renders `"search_key"::text LIKE '%word%'`; the cast is binary-coercible, so the
    `gin_trgm_ops` index on the column matches it (checked by a test with `EXPLAIN`). Words
    shorter than three characters have no trigram and fall back to a scan.
    """


_BACKENDS = {"sqlite": SqliteSearchBackend, "postgresql": PostgresqlSearchBackend}


def get_search_backend():
    return _BACKENDS.get(connection.vendor, BaseSearchBackend)()


def search(queryset, query, field="search_key", code_field=None):
    """Filter and rank `queryset` by an accent-insensitive query."""
    backend = get_search_backend()
    return backend.rank(backend.filter(queryset, query, field), query, field, code_field)
