"""Public self-service pages on personal data, mounted at /mes-donnees/."""

from django.urls import path

from . import views_privacy

app_name = "contacts_public"
urlpatterns = [
    path("", views_privacy.request_link, name="request"),
    path("lien-envoye/", views_privacy.sent, name="sent"),
    path("donnees-effacees/", views_privacy.erased, name="erased"),
    path("rester-en-contact/<str:token>/", views_privacy.reconfirm, name="reconfirm"),
    path("<str:token>/", views_privacy.home, name="home"),
    path("<str:token>/coordonnees/", views_privacy.details, name="details"),
    path("<str:token>/abonnements/", views_privacy.subscriptions, name="subscriptions"),
    path("<str:token>/mes-donnees.json", views_privacy.export_json, name="export_json"),
    path("<str:token>/mes-donnees.csv", views_privacy.export_csv, name="export_csv"),
    path("<str:token>/effacement/", views_privacy.erase, name="erase"),
]
