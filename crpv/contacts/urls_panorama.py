"""Staff pages: the panorama des professionnels and one person's personal data.

Mounted at /gestion/panorama/.
"""

from django.urls import path

from . import views_panorama, views_privacy

app_name = "panorama"
urlpatterns = [
    path("", views_panorama.index, name="index"),
    path("infographie.pdf", views_panorama.infographic_pdf, name="pdf"),
    path("infographie.png", views_panorama.infographic_png, name="png"),
    path("personnes/<int:pk>/donnees-personnelles/", views_privacy.staff_person, name="person_privacy"),
    path(
        "personnes/<int:pk>/donnees-personnelles.<str:fmt>",
        views_privacy.staff_export,
        name="person_export",
    ),
    path("personnes/<int:pk>/effacement/", views_privacy.staff_erase, name="person_erase"),
]
