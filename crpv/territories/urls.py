from django.urls import path

from crpv.territories import views

app_name = "territories"
urlpatterns = [path("", views.index, name="index")]
