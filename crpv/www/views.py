"""Public pages that span domains: home, search, legal and accessibility pages."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from crpv.core.views import public_page
from crpv.territories.models import Commune, ContratDeVille, DataSource, Departement, Epci, Qpv
from crpv.territories.search import search_territories


@public_page
def home(request):
    figures = {
        "departements": Departement.objects.count(),
        "contrats": ContratDeVille.objects.count(),
        "qpv": Qpv.objects.count(),
        "epci": Epci.objects.count(),
        "communes": Commune.objects.count(),
    }
    return render(request, "www/home.html", {"figures": figures})


@login_not_required
@require_GET
def search(request):
    query = request.GET.get("q", "").strip()[:200]
    results = search_territories(query, limit=50) if query else None
    template = "territories/_results.html" if request.htmx else "www/search.html"
    return render(request, template, {"query": query, "results": results})


@public_page
def accessibility(request):
    return render(request, "www/accessibility.html")


@public_page
def legal(request):
    return render(request, "www/legal.html")


@public_page
def privacy(request):
    return render(request, "www/privacy.html")


@public_page
def sources(request):
    return render(request, "www/sources.html", {"sources": DataSource.objects.order_by("name")})


@public_page
def sitemap(request):
    return render(request, "www/sitemap.html")


@login_not_required
@require_GET
@cache_control(max_age=3600, public=True)
def theme_css(request):
    """The centre's colours as CSS variables (settings), served under our CSP."""
    centre = settings.CRPV_CENTRE
    css = f":root {{ --primary: {centre['primary_color']}; --accent: {centre['accent_color']}; }}\n"
    return HttpResponse(css, content_type="text/css; charset=utf-8")
