"""Public pages reached by a signed link: survey answers, attestations (in `events`)."""

from django.urls import path

from . import views_surveys

urlpatterns = [
    path("questionnaire/<str:token>/", views_surveys.answer, name="survey"),
    path("attestation/<str:token>/", views_surveys.attestation, name="attestation"),
]
