from django.urls import include, path

from . import views

app_name = "events"
urlpatterns = [
    path("", include("crpv.events.urls_surveys")),
    path("", views.agenda, name="agenda"),
    path("passes/", views.past, name="past"),
    path("agenda.ics", views.ical, name="ical"),
    path("themes/<slug:slug>.ics", views.theme_ical, name="theme_ical"),
    path("inscription/<str:token>/", views.registration_status, name="registration_status"),
    path("annulation/<str:token>/", views.cancel, name="cancel"),
    path("place-proposee/<str:token>/", views.offer, name="offer"),
    path("invitation/<str:token>/", views.invitation, name="invitation"),
    path("equipe/<str:token>/", views.team, name="team"),
    path("documents/<int:pk>/<str:name>", views.document_file, name="document_file"),
    path("<slug:slug>/", views.detail, name="detail"),
]
