from django.contrib.admin.views.decorators import staff_member_required
from django.shortcuts import render

from crpv.programme.models import Programme
from crpv.territories.models import Commune, ContratDeVille, Epci, Qpv


@staff_member_required
def home(request):
    programme = Programme.objects.order_by("-year").first()
    return render(
        request,
        "staff/home.html",
        {
            "programme": programme,
            "counts": {
                "qpv": Qpv.objects.count(),
                "contrats": ContratDeVille.objects.count(),
                "epci": Epci.objects.count(),
                "communes": Commune.objects.count(),
            },
        },
    )
