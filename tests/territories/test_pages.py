"""Public pages through the client: content, accessibility structure, no N+1."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crpv.territories.models import CiteEducative, ProjetRenouvellement, Qpv
from tests.territories.conftest import parse, text

pytestmark = pytest.mark.usefixtures("loaded")


def assert_accessible(doc):
    assert len(doc.xpath("//h1")) == 1
    assert doc.xpath("//nav[@class='breadcrumb'][@aria-label=\"Fil d'Ariane\"]")
    for table in doc.xpath("//table"):
        assert table.getparent().get("class") == "table-wrap"
        assert table.xpath("caption")
        assert all(th.get("scope") in ("col", "row") for th in table.xpath(".//th"))


def count_queries(client, url):
    cache.clear()  # public pages are cached: count the queries of a real render
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_index(client):
    doc = parse(client.get(reverse("territories:index")))
    assert_accessible(doc)
    form = doc.xpath("//form[@role='search']")[0]
    assert form.get("method") == "get" and form.get("action") == reverse("www:search")
    field = form.xpath(".//input[@name='q']")[0]
    assert field.get("hx-get") == reverse("www:search")
    assert field.get("hx-trigger") == "input changed delay:300ms, search"
    target = doc.xpath(f"//*[@id='{field.get('hx-target').lstrip('#')}']")[0]
    assert target.get("aria-live") == "polite"
    figures = {text(li) for li in doc.xpath("//ul[@class='figures']/li")}
    assert {"5 départements", "92 EPCI", "39 contrats de ville", "204 quartiers prioritaires (QPV)"} <= figures
    assert "3782 communes" in figures
    assert "8 QPV" in text(doc)


def test_departements(client):
    doc = parse(client.get(reverse("territories:departement_list")))
    assert_accessible(doc)
    rows = {text(tr.xpath("th")[0]): text(tr) for tr in doc.xpath("//tbody/tr")}
    assert list(rows) == ["Aisne", "Nord", "Oise", "Pas-de-Calais", "Somme"]
    doc = parse(client.get(reverse("territories:departement_detail", args=["02"])))
    assert_accessible(doc)
    assert text(doc.xpath("//h1")[0]) == "Aisne (02)"
    contracts = [text(a) for a in doc.xpath("(//table)[1]//tbody/tr/th/a")]
    assert "CA du Saint-Quentinois" in contracts and len(contracts) == 7


def test_epci_list_paginates_and_filters(client):
    doc = parse(client.get(reverse("territories:epci_list")))
    assert_accessible(doc)
    assert "(92)" in text(doc.xpath("//caption")[0])
    assert len(doc.xpath("//tbody/tr")) == 50
    nav = doc.xpath("//nav[@aria-label='Pagination']")[0]
    assert "Page 1 sur 2" in text(nav)
    doc = parse(client.get(reverse("territories:epci_list") + "?departement=80&page=1"))
    names = [text(a) for a in doc.xpath("//tbody/tr/th/a")]
    assert "CA Amiens Métropole" in names and "CA du Saint-Quentinois" not in names


def test_epci_detail(client):
    doc = parse(client.get(reverse("territories:epci_detail", args=["245901160"])))
    assert_accessible(doc)
    assert text(doc.xpath("//h1")[0]) == "CA Valenciennes Métropole"
    body = text(doc)
    assert "CN05904M" in body
    assert "QN05931M" in body  # one of its QPV
    assert "à vérifier" in body  # the QPV shared with the Porte du Hainaut
    assert "Valenciennes" in [text(a) for a in doc.xpath("(//table)[last()]//tbody/tr/th/a")]


def test_commune_detail(client):
    doc = parse(client.get(reverse("territories:commune_detail", args=["62119"])))
    assert_accessible(doc)
    assert text(doc.xpath("//h1")[0]) == "Béthune"
    body = text(doc)
    assert "62400" in body
    assert "CA de Béthune-Bruay, Artois-Lys Romane" in body
    assert "CN06201M" in body
    assert "Mont Liébaut" in body  # NPNRU project


def test_qpv_list_filters(client):
    url = reverse("territories:qpv_list")
    doc = parse(client.get(url))
    assert_accessible(doc)
    assert "(204)" in text(doc.xpath("//caption")[0])
    doc = parse(client.get(url + "?a_verifier=1"))
    rows = doc.xpath("//tbody/tr")
    assert len(rows) == 8
    assert all("à vérifier" in text(row) for row in rows)
    doc = parse(client.get(url + "?departement=02"))
    assert {text(td) for td in doc.xpath("//tbody/tr/td[1]")} == {f"QN002{n:02d}M" for n in range(1, 18)}
    doc = parse(client.get(url + "?contrat=CN05902M"))
    codes = {text(td) for td in doc.xpath("//tbody/tr/td[1]")}
    assert "QN05920M" in codes  # candidate, still to review
    page2 = parse(client.get(url + "?departement=59&page=2"))
    links = page2.xpath("//nav[@aria-label='Pagination']//a/@href")
    assert any("departement=59" in href and "page=1" in href for href in links)


def test_qpv_detail(client):
    doc = parse(client.get(reverse("territories:qpv_detail", args=["QN05918M"])))
    assert_accessible(doc)
    body = text(doc)
    for name in ("Hautmont", "Louvroil", "Maubeuge", "Neuf-Mesnil", "CA Maubeuge Val de Sambre"):
        assert name in body
    doc = parse(client.get(reverse("territories:qpv_detail", args=["QN05920M"])))
    body = text(doc)
    assert "à vérifier" in body and "non tranché" in body
    assert "CN05902M" in body and "CN05904M" in body
    assert client.get(reverse("territories:qpv_detail", args=["QN99999X"])).status_code == 404


def test_contrats(client):
    doc = parse(client.get(reverse("territories:contrat_list")))
    assert_accessible(doc)
    assert len(doc.xpath("//tbody/tr")) == 39
    doc = parse(client.get(reverse("territories:contrat_detail", args=["CN05905M"])))
    assert_accessible(doc)
    body = text(doc)
    assert "Caudry" in body and "(commune, code INSEE 59139)" in body
    doc = parse(client.get(reverse("territories:contrat_detail", args=["CN05904M"])))
    assert "QPV candidats, à vérifier" in text(doc)


def test_projets_and_cites(client):
    doc = parse(client.get(reverse("territories:projet_list")))
    assert_accessible(doc)
    assert len(doc.xpath("//tbody/tr")) == 37
    projet = ProjetRenouvellement.objects.get(name__startswith="Maubeuge, Louvroil")
    doc = parse(client.get(projet.get_absolute_url()))
    assert_accessible(doc)
    assert "intérêt national (QIN)" in text(doc)
    assert {text(a) for a in doc.xpath("//dd/a")} >= {"Maubeuge", "Louvroil", "Nord"}
    doc = parse(client.get(reverse("territories:cite_list")))
    assert len(doc.xpath("//tbody/tr")) == 26
    cite = CiteEducative.objects.get(name="Hautmont-Louvroil-Maubeuge-Neuf-Mesnil")
    doc = parse(client.get(cite.get_absolute_url()))
    assert_accessible(doc)
    assert {"Hautmont", "Louvroil", "Maubeuge", "Neuf-Mesnil"} <= {text(a) for a in doc.xpath("//dd/a")}


@pytest.mark.parametrize(
    ("small", "large"),
    [
        ("territories:qpv_list", None),
        ("territories:epci_list", None),
        ("territories:contrat_list", None),
        ("territories:projet_list", None),
        ("territories:cite_list", None),
        ("territories:departement_list", None),
    ],
)
def test_list_queries_do_not_grow_with_rows(client, small, large):
    url = reverse(small)
    before = count_queries(client, url)
    # Fewer rows on the page (a filter) must not cost fewer queries either: counts are per page, not per row.
    Qpv.objects.filter(departement__code="80").delete()
    ProjetRenouvellement.objects.filter(interest="regional").delete()
    CiteEducative.objects.filter(label_year=2019).delete()
    assert count_queries(client, url) == before


@pytest.mark.parametrize(
    ("url_name", "few", "many"),
    [
        ("territories:epci_detail", "240200600", "200093201"),  # 1 contract / 2 QPV vs the MEL (95 communes, 26 QPV)
        ("territories:departement_detail", "80", "59"),
        ("territories:commune_detail", "59028", "59350"),  # Auby (1 QPV) vs Lille
        ("territories:qpv_detail", "QN00202M", "QN05918M"),
        ("territories:contrat_detail", "CN05902M", "CN05904M"),
    ],
)
def test_detail_queries_do_not_grow_with_rows(client, url_name, few, many):
    assert count_queries(client, reverse(url_name, args=[few])) == count_queries(
        client, reverse(url_name, args=[many])
    )


def test_qpv_list_query_count(client, django_assert_num_queries):
    with django_assert_num_queries(6):
        client.get(reverse("territories:qpv_list") + "?departement=59")
