from django.urls import include, path

from . import views_staff

app_name = "events_staff"
urlpatterns = [
    path("", include("crpv.events.urls_attendance")),
    path("", views_staff.event_list, name="list"),
    path("<int:pk>/inscriptions/", views_staff.registrations, name="registrations"),
    path("<int:pk>/invitations/", views_staff.invite, name="invite"),
    path("<int:pk>/invitations/relance/", views_staff.remind, name="remind"),
    path("inscriptions/<int:pk>/valider/", views_staff.approve, name="approve"),
    path("inscriptions/<int:pk>/refuser/", views_staff.refuse, name="refuse"),
    path("inscriptions/<int:pk>/annuler/", views_staff.cancel, name="cancel"),
]
