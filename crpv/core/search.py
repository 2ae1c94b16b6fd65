"""Accent-insensitive search over a stored folded key, one backend per engine.

Models that can be searched by name or code keep a `search_key` column holding
`fold(name + codes)`. Queries are folded the same way, so "bethune" finds
"Béthune" and "qn05901m" finds "QN05901M" on every engine. Each engine gets the
implementation that fits it; both give the same results (tested).
"""

from functools import reduce
from operator import and_

from django.db import connection
from django.db.models import Case, IntegerField, Q, Value, When

from crpv.core.text import fold


class BaseSearchBackend:
    """Portable implementation: every folded word must appear in the key."""

    def filter(self, queryset, query, field="search_key"):
        words = fold(query).split()
        if not words:
            return queryset.none()
        condition = reduce(and_, (Q(**{f"{field}__contains": w}) for w in words))
        return queryset.filter(condition)

    def rank(self, queryset, query, field="search_key"):
        """Exact matches first, then prefixes, then the rest."""
        folded = fold(query)
        return queryset.annotate(
            search_rank=Case(
                When(**{field: folded}, then=Value(0)),
                When(**{f"{field}__startswith": folded}, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        ).order_by("search_rank")


class SqliteSearchBackend(BaseSearchBackend):
    """SQLite: `LIKE` is case-insensitive for ASCII, and keys are ASCII already."""


class PostgresqlSearchBackend(BaseSearchBackend):
    """PostgreSQL: `LIKE` on the folded key (Django's `contains` is `LIKE`)."""


_BACKENDS = {"sqlite": SqliteSearchBackend, "postgresql": PostgresqlSearchBackend}


def get_search_backend():
    return _BACKENDS.get(connection.vendor, BaseSearchBackend)()


def search(queryset, query, field="search_key"):
    """Filter and rank `queryset` by an accent-insensitive query."""
    backend = get_search_backend()
    return backend.rank(backend.filter(queryset, query, field), query, field)
