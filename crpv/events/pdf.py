"""PDF documents of events (émargement sheets, attestations) with WeasyPrint.

Templates live in `templates/events/pdf/`; they are never served to a
browser, so they carry their own `<style>` block. Static files (the logo) are
read from disk through `staticfiles` finders, never fetched over the network.
"""

import functools

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string


@functools.cache
def _url_fetcher():
    """Only local files and data: URIs: WeasyPrint must never reach the network."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"file", "data"}, timeout=5)


@functools.lru_cache(maxsize=8)
def _static_uri(path):
    found = finders.find(path) if path else None
    return f"file://{found}" if found else ""


def centre_context():
    centre = dict(settings.CRPV_CENTRE)
    centre["logo_uri"] = _static_uri(centre.get("logo") or "")
    return centre


def render_html(template_name, context):
    return render_to_string(template_name, {"centre": centre_context(), **context})


def html_to_pdf(html):
    from weasyprint import HTML

    return HTML(string=html, url_fetcher=_url_fetcher(), base_url=str(settings.BASE_DIR)).write_pdf()


def render_pdf(template_name, context):
    return html_to_pdf(render_html(template_name, context))
