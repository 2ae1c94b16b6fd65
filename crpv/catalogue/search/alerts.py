"""Saved searches (alerts): the write operation and the search parameters they keep."""

from django.db import transaction
from django.http import QueryDict

from crpv.core.models import AuditEntry

from ..models import SavedSearch

KEPT_PARAMETERS = ("q", "type", "theme", "annee", "territoire", "auteur", "disponible", "sujet")


def search_query_string(params):
    """Only the parameters that define a search (no page, no sort), in a stable order."""
    kept = QueryDict(mutable=True)
    for name in KEPT_PARAMETERS:
        values = [v for v in params.getlist(name) if v.strip()]
        if values:
            kept.setlist(name, sorted(values) if name != "q" else values[:1])
    return kept.urlencode()[:2000]


def describe(params):
    query = params.get("q", "").strip()
    return f"Recherche « {query[:150]} »" if query else "Recherche sans mots (filtres seulement)"


@transaction.atomic
def create_saved_search(*, email, label, params, acting_user):
    """Keep a search with the visitor's address; its signed feed URL gives the new matching records."""
    query_string = search_query_string(params)
    saved = SavedSearch.objects.create(email=email, label=(label or describe(params))[:200], query_string=query_string)
    AuditEntry.record(acting_user, "catalogue.saved_search.created", saved)
    return saved


@transaction.atomic
def delete_saved_search(*, saved_search, acting_user):
    AuditEntry.record(acting_user, "catalogue.saved_search.deleted", saved_search)
    saved_search.delete()
