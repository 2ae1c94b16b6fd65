from django.urls import path

from .weeding import views

app_name = "weeding"
urlpatterns = [
    path("", views.candidates, name="candidates"),
    path("decisions/", views.decide, name="decide"),
    path("exemplaires/<int:pk>/", views.copy_history, name="copy_history"),
    path("notices/<int:pk>/", views.record_history, name="record_history"),
    path("statistiques/", views.statistics, name="statistics"),
    path("numerique/", views.scans, name="scans"),
    path("numerique/<int:pk>/", views.scan_report, name="scan"),
    path("numerique/<int:pk>/bordereau.pdf", views.bordereau_pdf, name="bordereau_pdf"),
    path("numerique/<int:pk>/bordereau.xlsx", views.bordereau_xlsx, name="bordereau_xlsx"),
]
