from django.urls import path

from . import views_desk, views_import

app_name = "desk"
urlpatterns = [
    path("", views_desk.home, name="home"),
    path("consultations/", views_desk.consultations, name="consultations"),
    path("consultations/<int:pk>/", views_desk.consultation, name="consultation"),
    path("consultations/<int:pk>/statut/", views_desk.consultation_change, name="consultation_change"),
    path("prets/", views_desk.loans, name="loans"),
    path("prets/nouveau/", views_desk.lend, name="lend"),
    path("prets/<int:pk>/retour/", views_desk.return_loan, name="return_loan"),
    path("import/", views_import.upload, name="import_upload"),
    path("import/<int:pk>/", views_import.preview, name="import_preview"),
    path("import/lots/<int:pk>/", views_import.report, name="import_report"),
]
