from django.urls import path

from crpv.www import views

app_name = "www"
urlpatterns = [
    path("", views.home, name="home"),
    path("rechercher/", views.search, name="search"),
    path("accessibilite/", views.accessibility, name="accessibility"),
    path("mentions-legales/", views.legal, name="legal"),
    path("donnees-personnelles/", views.privacy, name="privacy"),
    path("sources/", views.sources, name="sources"),
    path("plan-du-site/", views.sitemap, name="sitemap"),
    path("theme.css", views.theme_css, name="theme_css"),
]
