from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

from crpv.users.twofactor import has_confirmed_device


class StaffTwoFactorMiddleware:
    """A staff session must be verified with a TOTP code before any private view.

    Public views (marked `@login_not_required`) stay reachable; everything
    else — staff pages and the Django admin — sends an unverified staff member
    to enrol a device (first time) or to type a code.
    """

    exempt_url_names = {"users:two_factor_setup", "users:two_factor_verify", "logout"}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not settings.CRPV_STAFF_2FA:
            return None
        user = request.user
        if not (user.is_authenticated and user.is_staff) or user.is_verified():
            return None
        if not getattr(view_func, "login_required", True):
            return None
        match = request.resolver_match
        if match is not None and match.view_name in self.exempt_url_names:
            return None
        target = "users:two_factor_verify" if has_confirmed_device(user) else "users:two_factor_setup"
        return redirect(f"{reverse(target)}?next={request.get_full_path()}")
