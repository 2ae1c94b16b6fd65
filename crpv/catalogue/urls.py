from django.urls import path

from . import feeds, views_desk, views_public, views_staff
from .views_public import login_not_required

app_name = "catalogue"
urlpatterns = [
    path("", views_public.search, name="search"),
    path("notices/<int:pk>/", views_public.record_detail, name="record"),
    path("notices/<int:pk>/consultation/", views_desk.consultation_request, name="consultation_request"),
    path("consultation/annuler/<str:token>/", views_desk.consultation_cancel, name="consultation_cancel"),
    path("notices/<int:pk>/citation.<str:fmt>", views_public.record_citation, name="record_citation"),
    path("fichiers/<int:pk>/<str:name>", views_public.attachment_file, name="attachment_file"),
    path("boite-a-outils/", views_public.toolbox, name="toolbox"),
    path("nouveautes.rss", login_not_required(feeds.NewRecordsFeed()), name="new_records_feed"),
    path("alertes/", views_public.saved_search_create, name="saved_search_create"),
    path("alertes/<str:token>/", views_public.saved_search, name="saved_search"),
    path("alertes/<str:token>/flux.rss", login_not_required(feeds.SavedSearchFeed()), name="saved_search_feed"),
    path("gestion/recherche/", views_staff.search, name="staff_search"),
    path("gestion/descripteurs.json", views_staff.concept_autocomplete, name="concept_autocomplete"),
]
