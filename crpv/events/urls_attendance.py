"""Staff pages of attendance, attestations and surveys (in `events_staff`)."""

from django.urls import path

from . import views_attendance as attendance
from . import views_surveys as surveys

urlpatterns = [
    path("<int:pk>/presences/", attendance.overview, name="attendance"),
    path("seances/<int:pk>/presences/", attendance.session_list, name="attendance_session"),
    path("seances/<int:pk>/accueil/", attendance.check_in, name="attendance_check_in"),
    path("seances/<int:pk>/accueil/recherche/", attendance.check_in_search, name="attendance_check_in_search"),
    path(
        "seances/<int:pk>/accueil/<int:registration_pk>/",
        attendance.check_in_mark,
        name="attendance_check_in_mark",
    ),
    path("seances/<int:pk>/emargement.pdf", attendance.emargement_pdf, name="attendance_sheet"),
    path("seances/<int:pk>/import-visio/", attendance.visio_import, name="attendance_visio_import"),
    path("seances/<int:pk>/import-visio/rapprocher/", attendance.visio_match, name="attendance_visio_match"),
    path("<int:pk>/attestations/", attendance.attestations_start, name="attestations_start"),
    path("attestations/<int:pk>/", attendance.attestation_run, name="attestation_run"),
    path("attestations/<int:pk>/progression/", attendance.attestation_progress, name="attestation_progress"),
    path("attestations/<int:pk>/attestations.zip", attendance.attestation_zip, name="attestation_zip"),
    path("inscriptions/<int:pk>/attestation.pdf", attendance.attestation_pdf, name="attestation_pdf"),
    path("<int:pk>/questionnaires/", surveys.survey_list, name="surveys"),
    path("questionnaires/<int:pk>/", surveys.survey_builder, name="survey"),
    path("questionnaires/<int:pk>/questions/", surveys.question_add, name="survey_question_add"),
    path("questions/<int:pk>/deplacer/", surveys.question_move, name="survey_question_move"),
    path("questions/<int:pk>/supprimer/", surveys.question_delete, name="survey_question_delete"),
    path("questionnaires/<int:pk>/envoi/", surveys.survey_send, name="survey_send"),
    path("questionnaires/<int:pk>/relance/", surveys.survey_remind, name="survey_remind"),
    path("questionnaires/<int:pk>/envois/", surveys.survey_deliveries, name="survey_deliveries"),
    path("questionnaires/<int:pk>/resultats/", surveys.survey_results, name="survey_results"),
    path("questionnaires/<int:pk>/export.<str:fmt>", surveys.survey_export, name="survey_export"),
]
