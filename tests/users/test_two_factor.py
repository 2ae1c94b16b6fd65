import pytest
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from crpv.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _two_factor_on(settings):
    settings.CRPV_STAFF_2FA = True


def current_code(device):
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def test_password_alone_does_not_open_staff_pages(client, staff_user):
    client.force_login(staff_user)
    for url in (reverse("staff:home"), reverse("programme:dashboard"), "/admin/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("users:two_factor_setup"))


def test_public_pages_stay_open_before_verification(client, staff_user):
    client.force_login(staff_user)
    assert client.get(reverse("www:home")).status_code == 200


def test_enrolment_then_staff_pages_open(client, staff_user):
    client.force_login(staff_user)
    page = client.get(reverse("users:two_factor_setup") + "?next=/gestion/")
    content = page.content.decode()
    assert 'src="data:image/svg+xml;base64,' in content
    assert "Activer la double authentification" in content
    device = TOTPDevice.objects.get(user=staff_user, confirmed=False)

    wrong = client.post(reverse("users:two_factor_setup"), {"token": "000000", "next": "/gestion/"})
    assert "Code incorrect" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=staff_user, confirmed=True).exists()
    device.refresh_from_db()
    device.throttle_reset()  # a failure throttles the next try for a second (brute force)

    response = client.post(reverse("users:two_factor_setup"), {"token": current_code(device), "next": "/gestion/"})
    assert response.status_code == 302 and response["Location"] == "/gestion/"
    assert client.get(reverse("staff:home")).status_code == 200
    assert AuditEntry.objects.filter(action="user.two_factor_enrolled", actor=staff_user).exists()


def test_new_session_asks_for_a_code_and_refuses_a_replayed_one(client, staff_user):
    device = TOTPDevice.objects.create(user=staff_user, name="app", confirmed=True)
    client.force_login(staff_user)
    assert client.get(reverse("staff:home"))["Location"].startswith(reverse("users:two_factor_verify"))
    code = current_code(device)
    assert client.post(reverse("users:two_factor_verify"), {"token": code}).status_code == 302
    assert client.get(reverse("staff:home")).status_code == 200

    client.post(reverse("logout"))
    client.force_login(staff_user)
    replay = client.post(reverse("users:two_factor_verify"), {"token": code})
    assert replay.status_code == 200
    assert "Code incorrect ou déjà utilisé" in replay.content.decode()
    assert client.get(reverse("staff:home")).status_code == 302


def test_malformed_codes_get_a_french_message(client, staff_user):
    TOTPDevice.objects.create(user=staff_user, name="app", confirmed=True)
    client.force_login(staff_user)
    response = client.post(reverse("users:two_factor_verify"), {"token": "12ab56"})
    assert "ne contient que des chiffres" in response.content.decode()


def test_open_redirects_are_refused(client, staff_user):
    device = TOTPDevice.objects.create(user=staff_user, name="app", confirmed=True)
    client.force_login(staff_user)
    response = client.post(
        reverse("users:two_factor_verify"), {"token": current_code(device), "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("staff:home")


def test_setup_redirects_to_verification_once_enrolled(client, staff_user):
    TOTPDevice.objects.create(user=staff_user, name="app", confirmed=True)
    client.force_login(staff_user)
    assert client.get(reverse("users:two_factor_setup"))["Location"] == reverse("users:two_factor_verify")


def test_verification_without_device_sends_to_setup(client, staff_user):
    client.force_login(staff_user)
    assert client.get(reverse("users:two_factor_verify"))["Location"] == reverse("users:two_factor_setup")


def test_switch_off_lets_password_sessions_in(client, staff_user, settings):
    settings.CRPV_STAFF_2FA = False
    client.force_login(staff_user)
    assert client.get(reverse("staff:home")).status_code == 200
