from django.urls import path

from . import views

app_name = "contacts"
urlpatterns = [
    path("", views.person_list, name="person_list"),
    path("personnes/nouvelle/", views.person_create, name="person_create"),
    path("personnes/<int:pk>/", views.person_detail, name="person_detail"),
    path("personnes/<int:pk>/modifier/", views.person_edit, name="person_edit"),
    path("personnes/<int:pk>/postes/ajouter/", views.position_create, name="position_create"),
    path("personnes/<int:pk>/reseaux/ajouter/", views.membership_create, name="membership_create"),
    path("postes/<int:pk>/modifier/", views.position_edit, name="position_edit"),
    path("reseaux/<int:pk>/modifier/", views.membership_edit, name="membership_edit"),
    path("structures/", views.organisation_list, name="organisation_list"),
    path("structures/nouvelle/", views.organisation_create, name="organisation_create"),
    path("structures/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("structures/<int:pk>/modifier/", views.organisation_edit, name="organisation_edit"),
    path("segments/", views.segment_list, name="segment_list"),
    path("segments/nouveau/", views.segment_create, name="segment_create"),
    path("segments/compter/", views.segment_count, name="segment_count"),
    path("segments/<int:pk>/", views.segment_detail, name="segment_detail"),
    path("segments/<int:pk>/modifier/", views.segment_edit, name="segment_edit"),
    path("segments/<int:pk>/export.csv", views.segment_export, {"file_format": "csv"}, name="segment_export_csv"),
    path("segments/<int:pk>/export.xlsx", views.segment_export, {"file_format": "xlsx"}, name="segment_export_xlsx"),
    path("doublons/", views.duplicates, name="duplicates"),
    path("doublons/<int:kept>/<int:merged>/fusionner/", views.merge, name="merge"),
    path("imports/", views.import_upload, name="import_upload"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/colonnes/", views.import_mapping, name="import_mapping"),
    path("imports/<int:pk>/apercu/", views.import_preview, name="import_preview"),
    path("imports/<int:pk>/progression/", views.import_progress, name="import_progress"),
    path("imports/<int:pk>/erreurs.csv", views.import_errors, name="import_errors"),
]
