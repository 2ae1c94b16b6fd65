from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from crpv.core.models import AuditEntry
from crpv.users.twofactor import has_confirmed_device, pending_device, qr_code_data_uri, readable_secret


class TokenForm(forms.Form):
    token = forms.CharField(
        label="code à 6 chiffres",
        min_length=6,
        max_length=6,
        error_messages={
            "required": "Saisissez le code affiché par votre application.",
            "min_length": "Le code compte 6 chiffres.",
            "max_length": "Le code compte 6 chiffres.",
        },
    )

    def clean_token(self):
        token = self.cleaned_data["token"].strip()
        if not token.isdigit():
            raise forms.ValidationError("Le code ne contient que des chiffres.")
        return token


def _next_url(request):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


WRONG_CODE = "Code incorrect ou déjà utilisé. Attendez le code suivant et réessayez."


def two_factor_setup(request):
    """First connection of a staff member: scan the QR code, type a code."""
    if has_confirmed_device(request.user):
        return redirect("users:two_factor_verify")
    device = pending_device(request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            AuditEntry.record(request.user, "user.two_factor_enrolled", request.user)
            messages.success(request, "La double authentification est activée pour votre compte.")
            return redirect(_next_url(request))
        form.add_error("token", WRONG_CODE)
    return render(
        request,
        "users/two_factor_setup.html",
        {
            "form": form,
            "qr_code": qr_code_data_uri(device),
            "secret": readable_secret(device),
            "next": _next_url(request),
        },
    )


def two_factor_verify(request):
    """Each new session of a staff member: type the current code."""
    devices = list(TOTPDevice.objects.devices_for_user(request.user, confirmed=True))
    if not devices:
        return redirect("users:two_factor_setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        for device in devices:
            allowed, _ = device.verify_is_allowed()
            if allowed and device.verify_token(form.cleaned_data["token"]):
                otp_login(request, device)
                return redirect(_next_url(request))
        form.add_error("token", WRONG_CODE)
    return render(request, "users/two_factor_verify.html", {"form": form, "next": _next_url(request)})
