"""Staff pages of the catalogue: search with staff-only records, thesaurus autocomplete."""

from django.contrib.auth.decorators import permission_required
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from .models import Concept
from .views_public import render_search

AUTOCOMPLETE_SIZE = 20


@require_GET
@permission_required("catalogue.view_record", raise_exception=True)
def search(request):
    return render_search(request, "alive", template="catalogue/staff_search.html", staff=True)


@require_GET
@permission_required("catalogue.view_record", raise_exception=True)
def concept_autocomplete(request):
    query = request.GET.get("q", "")[:100]
    concepts = Concept.objects.active().matching(query)[:AUTOCOMPLETE_SIZE] if query.strip() else []
    return JsonResponse(
        {
            "results": [
                {"id": c.pk, "label": c.pref_label, "uri": c.uri, "alt_labels": list(c.alt_labels or [])}
                for c in concepts
            ]
        }
    )
