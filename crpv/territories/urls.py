from django.urls import path

from crpv.territories import views

app_name = "territories"
urlpatterns = [
    path("", views.index, name="index"),
    path("departements/", views.departement_list, name="departement_list"),
    path("departements/<str:code>/", views.departement_detail, name="departement_detail"),
    path("epci/", views.epci_list, name="epci_list"),
    path("epci/<str:code>/", views.epci_detail, name="epci_detail"),
    path("communes/<str:code>/", views.commune_detail, name="commune_detail"),
    path("qpv/", views.qpv_list, name="qpv_list"),
    path("qpv/<str:code>/", views.qpv_detail, name="qpv_detail"),
    path("contrats-de-ville/", views.contrat_list, name="contrat_list"),
    path("contrats-de-ville/<str:code>/", views.contrat_detail, name="contrat_detail"),
    path("renouvellement-urbain/", views.projet_list, name="projet_list"),
    path("renouvellement-urbain/<slug:slug>/", views.projet_detail, name="projet_detail"),
    path("cites-educatives/", views.cite_list, name="cite_list"),
    path("cites-educatives/<slug:slug>/", views.cite_detail, name="cite_detail"),
]
