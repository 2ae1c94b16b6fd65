from html.parser import HTMLParser

import pytest
from django.urls import reverse

from crpv.territories.models import DataSource

pytestmark = pytest.mark.django_db


class Outline(HTMLParser):
    """Collects what accessibility checks look at: landmarks, headings, links."""

    def __init__(self):
        super().__init__()
        self.tags = []
        self.h1 = []
        self._in_h1 = False
        self.lang = None
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "html":
            self.lang = attrs.get("lang")
        if tag == "h1":
            self._in_h1 = True
            self.h1.append("")
        if tag == "a" and "href" in attrs:
            self.hrefs.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag == "h1":
            self._in_h1 = False

    def handle_data(self, data):
        if self._in_h1:
            self.h1[-1] += data

    def has(self, tag, **attrs):
        return any(t == tag and all(a.get(k) == v for k, v in attrs.items()) for t, a in self.tags)


def outline(response):
    parser = Outline()
    parser.feed(response.content.decode())
    return parser


PUBLIC_PAGES = [
    "www:home",
    "www:search",
    "www:accessibility",
    "www:legal",
    "www:privacy",
    "www:sources",
    "www:sitemap",
]


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_public_page_has_accessible_structure(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    page = outline(response)
    assert page.lang == "fr"
    assert len(page.h1) == 1 and page.h1[0].strip()
    assert page.has("main", id="contenu")
    assert page.has("header", role="banner") and page.has("footer", role="contentinfo")
    assert page.has("nav", id="navigation")
    assert "#contenu" in page.hrefs  # skip link
    assert reverse("www:accessibility") in page.hrefs  # RGAA: statement linked from every page


def test_home_shows_centre_identity_from_settings(client, settings):
    settings.CRPV_CENTRE = {**settings.CRPV_CENTRE, "name": "Ressources & Territoires", "email": "ecrire@rt.example"}
    response = client.get(reverse("www:home"))
    content = response.content.decode()
    assert "Ressources &amp; Territoires" in content
    assert "mailto:ecrire@rt.example" in content


def test_theme_css_carries_the_configured_colours(client, settings):
    settings.CRPV_CENTRE = {**settings.CRPV_CENTRE, "primary_color": "#123456"}
    response = client.get(reverse("www:theme_css"))
    assert response["Content-Type"].startswith("text/css")
    assert "--primary: #123456" in response.content.decode()


def test_public_pages_set_security_headers(client):
    response = client.get(reverse("www:home"))
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sessionid" not in response.cookies  # no cookie for anonymous visitors


def test_sources_page_credits_each_data_set(client):
    DataSource.objects.create(
        key="qpv-2024",
        name="Quartiers prioritaires 2024",
        producer="ANCT",
        vintage="géographie 2024",
        licence="Licence Ouverte 2.0",
        row_count=204,
    )
    content = client.get(reverse("www:sources")).content.decode()
    assert "Quartiers prioritaires 2024" in content
    assert "ANCT" in content and "Licence Ouverte 2.0" in content and "204" in content


def test_sources_page_says_when_nothing_is_loaded(client):
    assert "Aucune donnée de référence" in client.get(reverse("www:sources")).content.decode()


def test_search_without_query_shows_the_form_only(client):
    response = client.get(reverse("www:search"))
    page = outline(response)
    assert page.has("input", type="search", name="q", id="q")
    assert page.has("label", **{"for": "q"})


def test_public_pages_are_served_from_the_cache(client, django_assert_num_queries):
    client.get(reverse("www:home"))
    with django_assert_num_queries(0):
        response = client.get(reverse("www:home"))
    assert response.status_code == 200
    assert "Cookie" in response["Vary"]


def test_staff_never_get_the_visitors_cached_page(client, staff_user):
    visitor = client.get(reverse("www:home")).content.decode()
    assert "Se déconnecter" not in visitor
    client.force_login(staff_user)
    staff = client.get(reverse("www:home")).content.decode()
    assert "Se déconnecter (Camille Martin)" in staff
