import pytest
from django.contrib.auth.hashers import identify_hasher
from django.contrib.auth.models import Group
from django.test import override_settings
from django.urls import reverse

from crpv.users.roles import ROLES

pytestmark = pytest.mark.django_db


def test_staff_pages_require_login(client):
    for name in ("staff:home", "programme:dashboard"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login")) or "/admin/login/" in response["Location"]


def test_login_page_is_french_and_labelled(client):
    content = client.get(reverse("login")).content.decode()
    assert "Connexion à l'espace équipe" in content
    assert 'autocomplete="username"' in content and 'autocomplete="current-password"' in content
    assert '<label for="id_username">Identifiant</label>' in content


def test_staff_member_logs_in_and_reaches_dashboard(client, staff_user):
    response = client.post(
        reverse("login"), {"username": "camille", "password": "mot-de-passe-solide"}, REMOTE_ADDR="10.0.0.1"
    )
    assert response.status_code == 302 and response["Location"] == reverse("staff:home")
    home = client.get(reverse("staff:home"))
    assert "Bonjour Camille" in home.content.decode()


def test_wrong_password_is_refused_in_french(client, staff_user):
    response = client.post(reverse("login"), {"username": "camille", "password": "faux"}, REMOTE_ADDR="10.0.0.2")
    assert response.status_code == 200
    assert "Saisissez un nom d’utilisateur et un mot de passe valides" in response.content.decode()


@override_settings(AXES_FAILURE_LIMIT=3)
def test_repeated_failures_lock_the_account_out(client, staff_user):
    for _ in range(3):
        client.post(reverse("login"), {"username": "camille", "password": "faux"}, REMOTE_ADDR="10.0.0.3")
    response = client.post(
        reverse("login"), {"username": "camille", "password": "mot-de-passe-solide"}, REMOTE_ADDR="10.0.0.3"
    )
    assert response.status_code == 429
    assert "Connexion temporairement bloquée" in response.content.decode()


def test_logout_is_a_post(staff_client):
    assert staff_client.get(reverse("logout")).status_code == 405
    response = staff_client.post(reverse("logout"))
    assert response.status_code == 302
    assert staff_client.get(reverse("staff:home")).status_code == 302


def test_passwords_are_hashed_with_argon2():
    from config.settings import base

    assert base.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    with override_settings(PASSWORD_HASHERS=base.PASSWORD_HASHERS):
        from django.contrib.auth.hashers import make_password

        assert identify_hasher(make_password("un mot de passe")).algorithm == "argon2"


def test_each_role_is_a_group_with_the_permissions_of_its_work():
    for name in ROLES:
        assert Group.objects.filter(name=name).exists()
    mission = Group.objects.get(name="chargé·e de mission")
    codenames = set(mission.permissions.values_list("codename", flat=True))
    assert {"view_qpv", "change_qpv"} <= codenames
    assert "delete_qpv" not in codenames
    doc = set(Group.objects.get(name="documentaliste").permissions.values_list("codename", flat=True))
    assert "view_qpv" in doc and "change_qpv" not in doc
    admin = set(Group.objects.get(name="administrateur").permissions.values_list("codename", flat=True))
    assert {"add_user", "change_user"} <= admin


def test_demo_staff_command_refuses_production(settings):
    from django.core.management import CommandError, call_command

    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG est désactivé"):
        call_command("create_demo_staff")


def test_demo_staff_command_creates_one_account_per_role(settings, capsys):
    from django.core.management import call_command

    from crpv.users.models import User

    settings.DEBUG = True
    call_command("create_demo_staff")
    call_command("create_demo_staff")  # idempotent
    assert User.objects.filter(is_staff=True).count() == len(ROLES)
    assert User.objects.get(username="doc").groups.get().name == "documentaliste"
    assert "mot de passe : demo-crpv-2025" in capsys.readouterr().out


def test_admin_login_goes_to_the_site_login(client):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("login") + "?next=%2Fadmin%2F")
    assert "Connexion à l'espace équipe" in response.content.decode()
