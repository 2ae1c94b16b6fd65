"""Territory search: accent-insensitive, codes first, the same on every engine."""

import pytest
from django.db import connection
from django.urls import reverse

from crpv.core.search import BaseSearchBackend, build_search_key, get_search_backend
from crpv.core.text import fold
from crpv.territories.models import Commune, Qpv
from crpv.territories.search import search_territories
from tests.territories.conftest import parse, text

pytestmark = pytest.mark.usefixtures("loaded")


def first(query):
    results = search_territories(query)
    assert results, query
    return results[0]


def test_build_search_key():
    assert build_search_key("Béthune", "62119", "", None, "62400") == "bethune 62119 62400"
    assert build_search_key("Œuvre d'Art") == "oeuvre d art"
    for value in ["Saint-Quentin", "Mons-en-Barœul", "Le Quesnoy (59)", "L'Abergement", "QN05901M  59350", "a_b%c"]:
        assert build_search_key(value) == fold(value)


def test_accent_insensitive():
    result = first("bethune")
    assert (result.kind, result.name, result.code) == ("commune", "Béthune", "62119")
    assert result.url == reverse("territories:commune_detail", args=["62119"])
    assert first("BÉTHUNE").code == "62119"


@pytest.mark.parametrize("query", ["QN05901M", "qn05901m", " QN05901M "])
def test_qpv_code(query):
    result = first(query)
    assert (result.kind, result.code, result.name) == ("quartier prioritaire (QPV)", "QN05901M", "Auby Centre")


def test_punctuation_and_spaces():
    result = first("saint quentin")
    assert (result.name, result.code) == ("Saint-Quentin", "02691")
    assert first("saint-quentin").code == "02691"


def test_postal_code_finds_the_commune():
    assert "Béthune" in [r.name for r in search_territories("62400")]


def test_exact_code_first():
    # 62400 is also the INSEE code of Haillicourt: the exact code comes before postal-code matches.
    assert first("62400").name == "Haillicourt"
    assert first("59").kind == "département"
    assert first("200093201").name == "Métropole Européenne de Lille"
    assert first("CN05904M").kind == "contrat de ville"


def test_every_kind_is_searchable():
    kinds = {r.kind for r in search_territories("amiens")}
    assert {"commune", "quartier prioritaire (QPV)", "EPCI", "contrat de ville", "cité éducative"} <= kinds
    assert "projet de renouvellement urbain" in {r.kind for r in search_territories("triennal")}
    assert first("nord").kind == "département"


def test_limit_and_empty():
    assert len(search_territories("a", limit=50)) == 50
    assert search_territories("") == []
    assert search_territories(" - ") == []
    assert search_territories("zzzzzz") == []


def test_engine_backend_matches_portable_backend():
    backend = get_search_backend()
    for query in ["bethune", "saint quentin", "qn059", "62400", "les", "cite 12", "%", "_"]:
        ours = set(backend.filter(Commune.objects.all(), query).values_list("pk", flat=True))
        portable = set(BaseSearchBackend().filter(Commune.objects.all(), query).values_list("pk", flat=True))
        assert ours == portable, query
        for word in fold(query).split() or [query]:
            folded = set(Commune.objects.filter(search_key__folded_contains=word).values_list("pk", flat=True))
            assert folded == set(Commune.objects.filter(search_key__contains=word).values_list("pk", flat=True))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL trigram index")
def test_postgresql_like_uses_the_trigram_index():
    sql, params = get_search_backend().filter(Qpv.objects.order_by().only("pk"), "auby").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "territories_qpv_search_trgm" in plan, plan


def test_htmx_fragment(client):
    response = client.get(reverse("www:search"), {"q": "bethune"}, headers={"HX-Request": "true"})
    doc = parse(response)
    assert not doc.xpath("//h1")
    links = [(text(a), a.get("href")) for a in doc.xpath("//a")]
    assert links[0] == ("Béthune", reverse("territories:commune_detail", args=["62119"]))
    response = client.get(reverse("www:search"), {"q": "zzzz"}, headers={"HX-Request": "true"})
    assert "Aucun territoire ne correspond à « zzzz »" in response.content.decode()
