"""Public and staff catalogue pages through the test client: HTML, feeds, citations, alerts, autocomplete."""

import json

import feedparser
import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from lxml import html

from crpv.catalogue.formats import parse
from crpv.catalogue.models import Record, SavedSearch
from tests.catalogue.test_search import build_corpus

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus():
    return build_corpus()


def page(response):
    assert response.status_code == 200, response.status_code
    return html.fromstring(response.content.decode())


def test_search_page_is_accessible_and_lists_results(client, corpus):
    doc = page(client.get(reverse("catalogue:search"), {"q": "discriminations"}))
    assert len(doc.xpath("//h1")) == 1
    form = doc.xpath("//form[@role='search']")[0]
    assert form.xpath(".//label[@for='id_q']") and form.xpath(".//input[@id='id_q']")
    assert doc.xpath("//*[@id='statut-recherche'][@role='status'][@aria-live='polite']")
    items = doc.xpath("//ol[contains(@class,'search-results')]/li")
    assert [" ".join(li.xpath(".//h3/a")[0].text_content().split()) for li in items] == [
        "Prévenir les discriminations dans les politiques de la ville",
        "Kit de sensibilisation à la prévention des discriminations",
    ]
    assert items[0].xpath(".//h3//mark")[0].text == "discriminations"
    legends = [" ".join(x.text_content().split()) for x in doc.xpath("//fieldset/legend")]
    assert "Type de document" in legends and "Disponibilité" in legends
    labels = [" ".join(x.text_content().split()) for x in doc.xpath("//fieldset//label")]
    assert "kit pédagogique (1)" in labels and "Nord (59) (2)" in labels


def test_search_filters_through_the_url_and_htmx(client, corpus):
    doc = page(client.get(reverse("catalogue:search"), {"q": "discrimination", "type": "kit"}))
    assert len(doc.xpath("//ol[contains(@class,'search-results')]/li")) == 1
    assert doc.xpath("//input[@name='type'][@value='kit'][@checked]")
    response = client.get(reverse("catalogue:search"), {"q": "discrimination"}, headers={"HX-Request": "true"})
    fragment = html.fromstring(response.content.decode())
    assert not fragment.xpath("//h1")
    assert fragment.xpath("//*[@id='statut-recherche'][@hx-swap-oob='true']")


def test_search_page_escapes_html_and_hides_staff_records(client, corpus):
    response = client.get(reverse("catalogue:search"), {"q": "habitants"})
    content = response.content.decode()
    assert "<script>alert" not in content
    assert "&lt;script&gt;alert" in content
    assert "Note interne" not in client.get(reverse("catalogue:search"), {"q": "discrimination"}).content.decode()


def test_search_with_bad_parameters_still_answers(client, corpus):
    response = client.get(reverse("catalogue:search"), {"q": '(("', "page": "abc", "annee": "x", "tri": "zz"})
    assert response.status_code == 200
    response = client.get(reverse("catalogue:search"), {"q": "-logement"})
    assert "seulement négative" in response.content.decode()


def test_record_page(client, corpus):
    record = corpus["kit"]
    doc = page(client.get(reverse("catalogue:record", args=[record.pk])))
    assert " ".join(doc.xpath("//h1")[0].text_content().split()) == record.title
    subject_link = doc.xpath("//a[text()='Insertion professionnelle']")[0]
    assert subject_link.get("href").startswith(reverse("catalogue:search") + "?sujet=")
    assert doc.xpath("//a[@href='/territoires/departements/59/']")
    assert doc.xpath("//caption[text()='Exemplaires au centre de documentation']")
    data = json.loads(doc.xpath("//script[@type='application/ld+json']")[0].text)
    assert data["@type"] == "LearningResource" and data["name"] == record.title
    assert {a["name"] for a in data["author"]} == {"IREV", "Dupont, Jeanne"}
    # The subject link leads to a search by subject (narrower concepts included).
    doc = page(client.get(subject_link.get("href")))
    assert len(doc.xpath("//ol[contains(@class,'search-results')]/li")) == 1


def test_json_ld_cannot_close_its_script(client, corpus):
    doc = client.get(reverse("catalogue:record", args=[corpus["html"].pk])).content.decode()
    assert "</script> Santé" not in doc.split('type="application/ld+json">')[1].split("</script>")[0]
    assert "\\u003C/script\\u003E" in doc


def test_staff_only_and_deleted_records_are_not_public(client, corpus):
    assert client.get(reverse("catalogue:record", args=[corpus["staff"].pk])).status_code == 404
    assert client.get(reverse("catalogue:record", args=[corpus["deleted"].pk])).status_code == 404
    url = reverse("catalogue:record_citation", args=[corpus["staff"].pk, "ris"])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("fmt", ["ris", "bibtex"])
def test_citations_parse_back(client, corpus, fmt):
    record = corpus["evaluation"]
    response = client.get(reverse("catalogue:record_citation", args=[record.pk, fmt]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    parsed = parse(response.content, fmt)
    assert not parsed.errors
    (back,) = parsed.records
    assert back.title == record.title and back.year == 2015
    assert [a.name for a in back.authors] == ["IREV"]
    assert client.get(reverse("catalogue:record_citation", args=[record.pk, "pdf"])).status_code == 404


def test_toolbox_lists_the_centre_productions_by_theme(client, corpus):
    doc = page(client.get(reverse("catalogue:toolbox")))
    assert len(doc.xpath("//h1")) == 1
    themes = [h.text_content().strip() for h in doc.xpath("//section/h2")]
    assert themes == ["Citoyenneté", "Prévention des discriminations"]
    titles = {a.text_content().strip() for a in doc.xpath("//li[@class='card']//h3/a")}
    assert titles == {corpus["kit"].title, corpus["laicite"].title}
    doc = page(client.get(reverse("catalogue:toolbox"), {"type": "kit"}))
    assert {a.text_content().strip() for a in doc.xpath("//li[@class='card']//h3/a")} == {corpus["kit"].title}


def test_new_records_feed_parses(client, corpus):
    response = client.get(reverse("catalogue:new_records_feed"))
    feed = feedparser.parse(response.content)
    assert not feed.bozo and feed.version == "rss20"
    titles = [e.title for e in feed.entries]
    assert corpus["kit"].title + " (2023)" in titles
    assert not any("Note interne" in t or "supprimée" in t for t in titles)


def test_saved_search_gives_a_signed_feed(client, corpus):
    response = client.post(
        reverse("catalogue:saved_search_create"),
        {"email": "lea@example.org", "label": "", "recherche": "q=discrimination&type=kit&page=3"},
    )
    saved = SavedSearch.objects.get()
    assert saved.query_string == "q=discrimination&type=kit"
    assert response.status_code == 302 and response["Location"] == saved.get_manage_url()
    doc = page(client.get(saved.get_manage_url()))
    feed_url = doc.xpath("//a[contains(@href, 'flux.rss')]")[0].get("href")
    feed = feedparser.parse(client.get(feed_url).content)
    assert not feed.bozo
    assert [e.title for e in feed.entries] == [corpus["kit"].title + " (2023)"]
    # A forged or altered token gives nothing.
    assert client.get(feed_url.replace("flux.rss", "").rstrip("/") + "x/flux.rss").status_code == 404
    other = SavedSearch.objects.create(email="x@example.org", label="x", query_string="q=x")
    assert other.token != saved.token
    # Deleting the alert revokes its feed.
    client.post(saved.get_manage_url())
    assert not SavedSearch.objects.filter(pk=saved.pk).exists()
    assert client.get(feed_url).status_code == 404


def test_saved_search_needs_an_address_and_a_search(client, corpus):
    response = client.post(reverse("catalogue:saved_search_create"), {"email": "pas-une-adresse", "recherche": "q=x"})
    assert response.status_code == 200 and "aria-invalid" in response.content.decode()
    response = client.post(reverse("catalogue:saved_search_create"), {"email": "a@example.org", "recherche": ""})
    assert "Lancez d&#x27;abord une recherche" in response.content.decode()
    assert not SavedSearch.objects.exists()


def test_staff_search_sees_staff_only_records(client, django_user_model, corpus):
    url = reverse("catalogue:staff_search")
    assert client.get(url, {"q": "discrimination"}).status_code == 302  # login first
    user = django_user_model.objects.create_user(username="doc", password="x-long-password", is_staff=True)
    client.force_login(user)
    assert client.get(url).status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="view_record", content_type__app_label="catalogue"))
    doc = page(client.get(url, {"q": "discrimination"}))
    titles = [" ".join(a.text_content().split()) for a in doc.xpath("//ol[contains(@class,'search-results')]//h3/a")]
    assert "Note interne sur la discrimination" in titles
    assert not doc.xpath("//section[@aria-labelledby='titre-alerte']")
    # The record page shows a staff-only record to staff.
    assert client.get(reverse("catalogue:record", args=[corpus["staff"].pk])).status_code == 200


def test_concept_autocomplete(client, django_user_model, corpus):
    url = reverse("catalogue:concept_autocomplete")
    user = django_user_model.objects.create_user(username="doc", password="x-long-password", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_record", content_type__app_label="catalogue"))
    client.force_login(user)
    data = client.get(url, {"q": "insert"}).json()
    assert [r["label"] for r in data["results"]] == ["Insertion professionnelle"]
    assert client.get(url, {"q": ""}).json() == {"results": []}


def test_record_count_in_the_feed_is_bounded(client, corpus):
    Record.objects.bulk_create(
        [Record(record_type="ouvrage", title=f"Livre {i}", title_key=f"livre {i}") for i in range(40)]
    )
    feed = feedparser.parse(client.get(reverse("catalogue:new_records_feed")).content)
    assert len(feed.entries) == 30
