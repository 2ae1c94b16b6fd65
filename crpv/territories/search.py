"""Search across every kind of territory, accent-insensitive (see `crpv.core.search`)."""

from dataclasses import dataclass

from crpv.core.search import search
from crpv.core.text import fold
from crpv.territories.models import (
    CiteEducative,
    Commune,
    ContratDeVille,
    Departement,
    Epci,
    ProjetRenouvellement,
    Qpv,
)


@dataclass(frozen=True)
class TerritoryResult:
    kind: str  # French label of the type
    name: str
    code: str
    url: str
    detail: str = ""
    rank: int = 3


def _commune_detail(c):
    return f"{c.departement.name}" + (f" · {', '.join(c.postal_codes)}" if c.postal_codes else "")


# (queryset, code field, French label, code of a row, detail of a row), in display order for equal ranks.
_SOURCES = [
    (lambda: Departement.objects.all(), "code", "département", lambda o: o.code, lambda o: ""),
    (
        lambda: Qpv.objects.select_related("departement"),
        "code",
        "quartier prioritaire (QPV)",
        lambda o: o.code,
        lambda o: o.departement.name,
    ),
    (
        lambda: ContratDeVille.objects.select_related("departement"),
        "code",
        "contrat de ville",
        lambda o: o.code,
        lambda o: o.departement.name,
    ),
    (lambda: Epci.objects.all(), "code", "EPCI", lambda o: o.code, lambda o: o.kind_label),
    (lambda: Commune.objects.select_related("departement"), "code", "commune", lambda o: o.code, _commune_detail),
    (
        lambda: ProjetRenouvellement.objects.all(),
        None,
        "projet de renouvellement urbain",
        lambda o: "",
        lambda o: o.get_interest_display(),
    ),
    (lambda: CiteEducative.objects.all(), "anct_id", "cité éducative", lambda o: o.anct_id, lambda o: ""),
]


def _rank(obj, code, query, folded):
    """Refine the engine's rank: exact code, exact name, name prefix, the rest."""
    if code and code.lower() == query.lower():
        return 0
    name = fold(obj.name)
    if name == folded:
        return 1
    if name.startswith(folded):
        return 2
    return 3 + obj.search_rank


def search_territories(query, limit=50):
    """Territories matching `query`: exact codes first, then exact names, prefixes, the rest.

    One query per kind of territory (7 in all), each capped at `limit` rows by
    the engine's rank; the final order is refined in Python on those few rows.
    """
    query = (query or "").strip()
    folded = fold(query)
    if not folded:
        return []
    found = []
    for order, (queryset, code_field, label, code, detail) in enumerate(_SOURCES):
        rows = search(queryset(), query, code_field=code_field).order_by("search_rank", "search_key")[:limit]
        for obj in rows:
            found.append((_rank(obj, code(obj), query, folded), order, obj.search_key, obj, label, code, detail))
    found.sort(key=lambda r: r[:3])
    return [
        TerritoryResult(
            kind=label, name=obj.name, code=code(obj), url=obj.get_absolute_url(), detail=detail(obj), rank=rank
        )
        for rank, _order, _key, obj, label, code, detail in found[:limit]
    ]
