"""Accent-insensitive search over a stored folded key, one backend per engine.

Models that can be searched by name or code keep a `search_key` column holding
`build_search_key(name, codes…)`. Queries are folded the same way, so "bethune"
finds "Béthune" and "qn05901m" finds "QN05901M" on every engine.

The two implementations return the same rows (tested); they differ in how the
engine gets there:

- SQLite: `LIKE '%word%'` on the folded, ASCII-only key. SQLite's `LIKE` is
  case-insensitive for ASCII, and a few thousand short keys scan in well under
  a millisecond, so no index can help a leading-wildcard pattern anyway.
- PostgreSQL: the same `LIKE`, written without Django's `::text` cast so that
  the GIN trigram indexes created by the migrations (`pg_trgm`,
  `gin_trgm_ops` on each `search_key`) serve it instead of a sequential scan.
"""

from functools import reduce
from operator import and_

from django.db import connection
from django.db.models import Case, CharField, IntegerField, Lookup, Q, Value, When

from crpv.core.text import fold

SEARCH_KEY_MAX_LENGTH = 400


def build_search_key(*terms):
    """The folded key stored in `search_key`: one function for `save()` and bulk writes."""
    return fold(" ".join(str(t) for t in terms if t))[:SEARCH_KEY_MAX_LENGTH]


def escape_like(value):
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@CharField.register_lookup
class FoldedContains(Lookup):
    """`search_key__folded_contains="x"` → `search_key LIKE '%x%'`, no cast.

    The operand is already folded (lower-case ASCII letters, digits, spaces), so
    the plain `LIKE` is case-exact on both engines and an index on the bare
    column (PostgreSQL trigram index) matches the expression.
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
    """SQLite: Django's `contains` is `LIKE '%x%' ESCAPE '\\'` on the folded key."""


class PostgresqlSearchBackend(BaseSearchBackend):
    """PostgreSQL: an uncast `LIKE`, served by the GIN trigram indexes.

    Django's `contains` renders `"search_key"::text LIKE …`; the bare column
    form used here is exactly what the `gin_trgm_ops` indexes were built on.
    """

    def filter(self, queryset, query, field="search_key"):
        words = fold(query).split()
        if not words:
            return queryset.none()
        return queryset.filter(reduce(and_, (Q(**{f"{field}__folded_contains": w}) for w in words)))


_BACKENDS = {"sqlite": SqliteSearchBackend, "postgresql": PostgresqlSearchBackend}


def get_search_backend():
    return _BACKENDS.get(connection.vendor, BaseSearchBackend)()


def search(queryset, query, field="search_key", code_field=None):
    """Filter and rank `queryset` by an accent-insensitive query."""
    backend = get_search_backend()
    return backend.rank(backend.filter(queryset, query, field), query, field, code_field)
