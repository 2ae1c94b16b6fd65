from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.generic import RedirectView

from crpv.users.forms import LoginForm

admin.site.site_header = f"{settings.CRPV_CENTRE['name']} — administration"
admin.site.site_title = f"{settings.CRPV_CENTRE['name']} — administration"
admin.site.index_title = "Gestion des données"

urlpatterns = [
    path("", include("crpv.www.urls")),
    path("territoires/", include("crpv.territories.urls")),
    path("ressources/", include("crpv.catalogue.urls")),
    path("gestion/", include("crpv.www.urls_staff")),
    path("gestion/programme/", include("crpv.programme.urls")),
    path("evenements/", include("crpv.events.urls")),
    path("gestion/evenements/", include("crpv.events.urls_staff")),
    path("gestion/contacts/", include("crpv.contacts.urls")),
    path("mes-donnees/", include("crpv.contacts.urls_public")),
    path("gestion/panorama/", include("crpv.contacts.urls_panorama")),
    path("oai", include("crpv.catalogue.urls_oai")),
    path("gestion/desherbage/", include("crpv.catalogue.urls_weeding")),
    path("gestion/espace-doc/", include("crpv.catalogue.urls_desk")),
    path(
        "connexion/",
        login_not_required(
            auth_views.LoginView.as_view(authentication_form=LoginForm, redirect_authenticated_user=True)
        ),
        name="login",
    ),
    path("deconnexion/", auth_views.LogoutView.as_view(), name="logout"),
    path("compte/", include("crpv.users.urls")),
    # One login page for the whole site (accessible, throttled): the admin's own
    # login form redirects to it, keeping ?next=.
    path(
        "admin/login/",
        login_not_required(RedirectView.as_view(pattern_name="login", query_string=True)),
        name="admin_login_redirect",
    ),
    path("admin/", admin.site.urls),
]
