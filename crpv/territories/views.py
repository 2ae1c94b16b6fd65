"""Public pages of the territories: lists and details, read-only."""

from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404, render

from crpv.core.views import public_page
from crpv.territories.models import (
    CiteEducative,
    Commune,
    ContratDeVille,
    Departement,
    Epci,
    ProjetRenouvellement,
    Qpv,
)

PAGE_SIZE = 50


def paginate(request, queryset, per_page=PAGE_SIZE):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


@public_page
def index(request):
    figures = [
        ("départements", Departement.objects.count(), "territories:departement_list"),
        ("EPCI", Epci.objects.count(), "territories:epci_list"),
        ("contrats de ville", ContratDeVille.objects.count(), "territories:contrat_list"),
        ("quartiers prioritaires (QPV)", Qpv.objects.count(), "territories:qpv_list"),
        ("projets de renouvellement urbain", ProjetRenouvellement.objects.count(), "territories:projet_list"),
        ("cités éducatives", CiteEducative.objects.count(), "territories:cite_list"),
    ]
    return render(
        request,
        "territories/index.html",
        {
            "figures": figures,
            "commune_count": Commune.objects.count(),
            "to_review_count": Qpv.objects.to_review().count(),
            "departements": Departement.objects.all(),
        },
    )


@public_page
def departement_list(request):
    departements = Departement.objects.annotate(
        commune_count=Count("communes", distinct=True), qpv_count=Count("qpvs", distinct=True)
    )
    return render(request, "territories/departement_list.html", {"departements": departements})


@public_page
def departement_detail(request, code):
    departement = get_object_or_404(Departement.objects.select_related("region"), code=code)
    return render(
        request,
        "territories/departement_detail.html",
        {
            "departement": departement,
            "epcis": Epci.objects.in_departement(code).with_counts().order_by("name"),
            "contrats": ContratDeVille.objects.in_departement(code).with_carrier().with_qpv_count(),
            "qpv_count": Qpv.objects.in_departement(code).count(),
            "commune_count": Commune.objects.in_departement(code).count(),
        },
    )


@public_page
def epci_list(request):
    departement = request.GET.get("departement", "")
    epcis = Epci.objects.with_counts().prefetch_related("departements").order_by("name")
    if departement:
        epcis = epcis.in_departement(departement)
    return render(
        request,
        "territories/epci_list.html",
        {
            "page": paginate(request, epcis),
            "departements": Departement.objects.all(),
            "selected_departement": departement,
            "filters_query": _filters_query(request),
        },
    )


@public_page
def epci_detail(request, code):
    epci = get_object_or_404(Epci.objects.prefetch_related("departements"), code=code)
    return render(
        request,
        "territories/epci_detail.html",
        {
            "epci": epci,
            "communes": epci.communes.select_related("departement").order_by("name"),
            "qpvs": Qpv.objects.in_epci(epci).for_list(),
            "contrats": epci.contrats_de_ville.with_carrier().with_qpv_count(),
        },
    )


@public_page
def commune_detail(request, code):
    commune = get_object_or_404(Commune.objects.select_related("departement", "epci"), code=code)
    carried = Q(carrier_commune=commune)
    if commune.epci_id:
        carried |= Q(carrier_epci_id=commune.epci_id)
    contrats = ContratDeVille.objects.with_carrier().with_qpv_count().filter(carried)
    return render(
        request,
        "territories/commune_detail.html",
        {
            "commune": commune,
            "qpvs": commune.qpvs.for_list(),
            "contrats": contrats,
            "projets": commune.projets_renouvellement.all(),
            "cites": commune.cites_educatives.all(),
        },
    )


@public_page
def qpv_list(request):
    departement = request.GET.get("departement", "")
    contrat = request.GET.get("contrat", "")
    to_review = request.GET.get("a_verifier") == "1"
    qpvs = Qpv.objects.for_list()
    if departement:
        qpvs = qpvs.in_departement(departement)
    if contrat:
        qpvs = qpvs.in_contrat(contrat)
    if to_review:
        qpvs = qpvs.to_review()
    page = paginate(request, qpvs)
    return render(
        request,
        "territories/qpv_list.html",
        {
            "page": page,
            "caption": f"Quartiers prioritaires ({page.paginator.count})",
            "departements": Departement.objects.all(),
            "contrats": ContratDeVille.objects.only("code", "name"),
            "selected_departement": departement,
            "selected_contrat": contrat,
            "to_review": to_review,
            "filters_query": _filters_query(request),
        },
    )


def _filters_query(request):
    """The current filters as a query string, for pagination links."""
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@public_page
def qpv_detail(request, code):
    qpv = get_object_or_404(
        Qpv.objects.select_related(
            "departement", "contrat_de_ville__carrier_epci", "contrat_de_ville__carrier_commune"
        ).prefetch_related(
            Prefetch("communes", queryset=Commune.objects.select_related("departement")),
            "epcis",
            Prefetch("candidate_contrats", queryset=ContratDeVille.objects.with_carrier()),
            "projets_renouvellement",
            "cites_educatives",
        ),
        code=code,
    )
    return render(request, "territories/qpv_detail.html", {"qpv": qpv})


@public_page
def contrat_list(request):
    contrats = list(ContratDeVille.objects.with_carrier().with_qpv_count())
    return render(
        request,
        "territories/contrat_list.html",
        {"contrats": contrats, "caption": f"Contrats de ville de la région ({len(contrats)})"},
    )


@public_page
def contrat_detail(request, code):
    contrat = get_object_or_404(ContratDeVille.objects.with_carrier(), code=code)
    return render(
        request,
        "territories/contrat_detail.html",
        {
            "contrat": contrat,
            "qpvs": Qpv.objects.filter(contrat_de_ville=contrat).for_list(),
            "candidate_qpvs": contrat.candidate_qpvs.to_review().for_list(),
        },
    )


@public_page
def projet_list(request):
    projets = ProjetRenouvellement.objects.select_related("departement").prefetch_related("communes")
    return render(request, "territories/projet_list.html", {"projets": projets})


@public_page
def projet_detail(request, slug):
    projet = get_object_or_404(
        ProjetRenouvellement.objects.select_related("departement").prefetch_related("communes", "qpvs"), slug=slug
    )
    return render(request, "territories/projet_detail.html", {"projet": projet})


@public_page
def cite_list(request):
    cites = CiteEducative.objects.select_related("departement").prefetch_related("communes")
    return render(request, "territories/cite_list.html", {"cites": cites})


@public_page
def cite_detail(request, slug):
    cite = get_object_or_404(
        CiteEducative.objects.select_related("departement").prefetch_related("communes", "qpvs"), slug=slug
    )
    return render(request, "territories/cite_detail.html", {"cite": cite})
