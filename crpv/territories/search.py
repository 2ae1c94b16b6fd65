"""Search across every kind of territory, accent-insensitive (see `crpv.core.search`)."""

from dataclasses import dataclass

from django.urls import reverse

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


@dataclass(frozen=True)
class _Kind:
    label: str
    model: type
    url_name: str
    url_field: str  # the value in the URL (code or slug)
    code_field: str | None  # the code shown and matched exactly first
    detail_fields: tuple = ()

    def detail(self, row):
        if self.model is Commune:
            postal = ", ".join(row["postal_codes"] or [])
            return f"{row['departement__name']} · {postal}" if postal else row["departement__name"]
        if self.model is Epci:
            return Epci.KIND_LABELS.get(row["kind"], row["kind"])
        if self.model is ProjetRenouvellement:
            return ProjetRenouvellement.Interest(row["interest"]).label
        return row.get("departement__name", "")


# In display order for equal ranks.
_KINDS = [
    _Kind("département", Departement, "territories:departement_detail", "code", "code"),
    _Kind("quartier prioritaire (QPV)", Qpv, "territories:qpv_detail", "code", "code", ("departement__name",)),
    _Kind("contrat de ville", ContratDeVille, "territories:contrat_detail", "code", "code", ("departement__name",)),
    _Kind("EPCI", Epci, "territories:epci_detail", "code", "code", ("kind",)),
    _Kind("commune", Commune, "territories:commune_detail", "code", "code", ("departement__name", "postal_codes")),
    _Kind(
        "projet de renouvellement urbain",
        ProjetRenouvellement,
        "territories:projet_detail",
        "slug",
        None,
        ("interest",),
    ),
    _Kind("cité éducative", CiteEducative, "territories:cite_detail", "slug", "anct_id"),
]

_PLACEHOLDER = "0placeholder0"


def _rank(name, code, query, folded, engine_rank):
    """Refine the engine's rank: exact code, exact name, name prefix, the rest."""
    if code and code.lower() == query.lower():
        return 0
    name = fold(name)
    if name == folded:
        return 1
    if name.startswith(folded):
        return 2
    return 3 + engine_rank


def search_territories(query, limit=50):
    """Territories matching `query`: exact codes first, then exact names, prefixes, the rest.

    One query per kind of territory (7 in all), each capped at `limit` rows by
    the engine's rank and read as plain values; the final order is refined in
    Python on those few rows.
    """
    query = (query or "").strip()
    folded = fold(query)
    if not folded:
        return []
    found = []
    for order, kind in enumerate(_KINDS):
        fields = {"name", "search_key", kind.url_field, *kind.detail_fields}
        if kind.code_field:
            fields.add(kind.code_field)
        rows = (
            search(kind.model.objects.all(), query, code_field=kind.code_field)
            .order_by("search_rank", "search_key")
            .values(*fields, "search_rank")[:limit]
        )
        for row in rows:
            code = row[kind.code_field] if kind.code_field else ""
            found.append((_rank(row["name"], code, query, folded, row["search_rank"]), order, row["search_key"], row))
    found.sort(key=lambda r: r[:3])
    url_patterns = {}
    results = []
    for rank, order, _key, row in found[:limit]:
        kind = _KINDS[order]
        if order not in url_patterns:
            url_patterns[order] = reverse(kind.url_name, args=[_PLACEHOLDER])
        results.append(
            TerritoryResult(
                kind=kind.label,
                name=row["name"],
                code=row[kind.code_field] if kind.code_field else "",
                url=url_patterns[order].replace(_PLACEHOLDER, str(row[kind.url_field])),
                detail=kind.detail(row),
                rank=rank,
            )
        )
    return results
