from django.urls import path

from crpv.www import views_staff

app_name = "staff"
urlpatterns = [
    path("", views_staff.home, name="home"),
]
