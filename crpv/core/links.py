"""Absolute links to the site, for e-mails, calendars and feeds."""

from django.conf import settings


def site_url(request=None):
    """The public address of the site, without a trailing slash.

    `CRPV_SITE_URL` when set; else the address the request came to; else the
    first allowed host over HTTPS.
    """
    if settings.CRPV_SITE_URL:
        return settings.CRPV_SITE_URL.rstrip("/")
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return f"https://{settings.ALLOWED_HOSTS[0]}"
