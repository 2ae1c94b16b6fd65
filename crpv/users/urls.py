from django.urls import path

from crpv.users import views

app_name = "users"
urlpatterns = [
    path("double-authentification/", views.two_factor_setup, name="two_factor_setup"),
    path("verification/", views.two_factor_verify, name="two_factor_verify"),
]
