from django.urls import include, path

from . import views_staff

app_name = "events_staff"
urlpatterns = [
    path("", include("crpv.events.urls_attendance")),
    path("", views_staff.event_list, name="list"),
    path("statistiques/", views_staff.period_stats, name="stats"),
    path("<int:pk>/inscriptions/", views_staff.registrations, name="registrations"),
    path("<int:pk>/statistiques/", views_staff.event_stats, name="event_stats"),
    path("<int:pk>/documents/", views_staff.documents, name="documents"),
    path("documents/<int:pk>/retirer/", views_staff.remove_document, name="remove_document"),
    path("<int:pk>/invitations/", views_staff.invite, name="invite"),
    path("<int:pk>/invitations/relance/", views_staff.remind, name="remind"),
    path("inscriptions/<int:pk>/valider/", views_staff.approve, name="approve"),
    path("inscriptions/<int:pk>/refuser/", views_staff.refuse, name="refuse"),
    path("inscriptions/<int:pk>/annuler/", views_staff.cancel, name="cancel"),
]
