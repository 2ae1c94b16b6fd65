"""TOTP second factor for staff (django-otp): enrolment and verification."""

import base64
import io

import qrcode
import qrcode.image.svg
from django_otp.plugins.otp_totp.models import TOTPDevice


def has_confirmed_device(user):
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


def pending_device(user):
    """The unconfirmed device being enrolled (one at a time), created if needed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name="application d'authentification", confirmed=False)


def qr_code_data_uri(device):
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def readable_secret(device):
    """The key in base32, in groups of four, for people who type it in."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
