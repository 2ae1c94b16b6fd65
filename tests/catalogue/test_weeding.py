"""Weeding of the paper collection: rules, candidates, decisions and their history, statistics."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from crpv.catalogue.models import Copy, CopyUse, Record, WeedingDecision, WeedingRule
from crpv.catalogue.weeding.candidates import find_candidates
from crpv.core.models import AuditEntry

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 6, 1)


@pytest.fixture
def collection():
    WeedingRule.objects.create(
        name="Ouvrages",
        record_type="ouvrage",
        max_age_years=10,
        min_years_unused=5,
        conditions=["abime"],
        max_copies=1,
        criteria=["ioupi_u_use", "ioupi_p_perime"],
    )
    WeedingRule.objects.create(name="Par défaut", max_age_years=15)
    old = Record.objects.create(title="Vieil ouvrage", record_type="ouvrage", publication_year=2005)
    old_copy = Copy.objects.create(record=old, call_number="PV 1", acquired_on=datetime.date(2006, 1, 1))
    used = Record.objects.create(title="Ouvrage lu", record_type="ouvrage", publication_year=2005)
    used_copy = Copy.objects.create(record=used, call_number="PV 2", acquired_on=datetime.date(2006, 1, 1))
    CopyUse.objects.create(copy=used_copy, used_on=datetime.date(2025, 3, 1))
    recent = Record.objects.create(title="Récent", record_type="ouvrage", publication_year=2024)
    damaged = Copy.objects.create(record=recent, call_number="PV 3", condition="abime")
    spare = Copy.objects.create(record=recent, call_number="PV 3 bis")
    first = Record.objects.create(title="Guide du contrat de ville", record_type="ouvrage", publication_year=2015)
    Record.objects.create(title="Guide du contrat de ville", record_type="ouvrage", publication_year=2023)
    first_copy = Copy.objects.create(record=first, call_number="PV 4", acquired_on=datetime.date(2024, 1, 1))
    Record.objects.create(
        title="Vieil ouvrage", publication_year=2005, origin="harvest", source_name="RECI", source_identifier="x"
    )
    digital = Record.objects.create(title="Vieille vidéo", record_type="video", publication_year=2000)
    return locals()


def keys(found):
    return {c.key: c.criteria for c in found}


def test_candidates_follow_the_rules(collection):
    found = keys(find_candidates(today=TODAY))
    c = collection
    assert found[f"copy:{c['old_copy'].pk}"] == ["age", "unused", "elsewhere"]
    assert f"copy:{c['used_copy'].pk}" not in found  # used last year
    assert found[f"copy:{c['damaged'].pk}"] == ["worn", "duplicate"]
    assert f"copy:{c['spare'].pk}" not in found  # the good copy is the one kept
    assert found[f"copy:{c['first_copy'].pk}"] == ["age", "superseded"]  # acquired 2024: not unused
    assert found[f"record:{c['digital'].pk}"] == ["age"]  # default rule, record without copies
    only_worn = keys(find_candidates(today=TODAY, criterion="worn"))
    assert list(only_worn) == [f"copy:{c['damaged'].pk}"]
    assert not find_candidates(today=TODAY, record_type="rapport")


def test_no_rule_no_candidate(db):
    Copy.objects.create(record=Record.objects.create(title="x", record_type="ouvrage", publication_year=1950))
    assert find_candidates() == []


def test_rule_formula():
    rule = WeedingRule(max_age_years=10, min_years_unused=5, criteria=["ioupi_u_use", "ioupi_p_perime"])
    assert rule.formula == "10/5/UP"
    assert WeedingRule(max_age_years=3).formula == "3/–"


def test_candidate_page_and_bulk_decision(documentaliste, collection):
    response = documentaliste.get(reverse("weeding:candidates"))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    assert "Vieil ouvrage" in html and "10/5/UP" in html
    response = documentaliste.get(reverse("weeding:candidates"), {"criterion": "worn", "record_type": "ouvrage"})
    assert "Récent" in response.content.decode() and "Vieil ouvrage" not in response.content.decode()

    c = collection
    targets = [f"copy:{c['old_copy'].pk}", f"record:{c['digital'].pk}"]
    response = documentaliste.post(
        reverse("weeding:decide"), {"targets": targets, "decision": "eliminer", "reason": "Usé et périmé (UP)"}
    )
    assert response.status_code == 302
    c["old_copy"].refresh_from_db()
    assert c["old_copy"].status == Copy.Status.WITHDRAWN
    c["digital"].refresh_from_db()
    assert c["digital"].deleted_at is not None  # an OAI-PMH deletion for the network
    assert WeedingDecision.objects.filter(decision="eliminer").count() == 2
    assert AuditEntry.objects.filter(action="catalogue.weeding.eliminer").count() == 2
    remaining = keys(find_candidates())
    assert targets[0] not in remaining and targets[1] not in remaining

    # Keep: the copy leaves the list (unless asked), the history keeps both decisions.
    keep = f"copy:{c['first_copy'].pk}"
    documentaliste.post(reverse("weeding:decide"), {"targets": [keep], "decision": "garder", "reason": "Fonds local"})
    assert keep not in keys(find_candidates())
    assert keep in keys(find_candidates(include_reviewed=True))
    documentaliste.post(
        reverse("weeding:decide"),
        {"targets": [keep], "decision": "partenaire", "reason": "Dernier exemplaire du réseau", "partner": "RECI"},
    )
    response = documentaliste.get(reverse("weeding:copy_history", args=[c["first_copy"].pk]))
    html = response.content.decode()
    assert "garder" in html and "proposer à un partenaire" in html and "RECI" in html
    response = documentaliste.get(reverse("weeding:record_history", args=[c["digital"].pk]))
    assert "Usé et périmé (UP)" in response.content.decode()


def test_decision_form_errors(documentaliste, collection):
    url = reverse("weeding:decide")
    copy = f"copy:{collection['old_copy'].pk}"
    assert documentaliste.post(url, {"targets": [copy], "decision": "eliminer", "reason": ""}).status_code == 400
    assert documentaliste.post(url, {"decision": "eliminer", "reason": "x"}).status_code == 400
    response = documentaliste.post(url, {"targets": [copy], "decision": "partenaire", "reason": "x"})
    assert response.status_code == 400
    assert "Indiquez le partenaire" in response.content.decode()
    assert (
        documentaliste.post(url, {"targets": ["copy:999999"], "decision": "garder", "reason": "x"}).status_code == 400
    )
    assert documentaliste.post(url, {"targets": ["autre:1"], "decision": "garder", "reason": "x"}).status_code == 400
    assert not WeedingDecision.objects.exists()


def test_permissions(staff_client, collection):
    # A chargé·e de mission reads the catalogue and its weeding history, but does not decide.
    assert staff_client.get(reverse("weeding:candidates")).status_code == 200
    response = staff_client.post(
        reverse("weeding:decide"),
        {"targets": [f"copy:{collection['old_copy'].pk}"], "decision": "garder", "reason": "x"},
    )
    assert response.status_code == 403


def test_statistics(documentaliste, collection):
    documentaliste.post(
        reverse("weeding:decide"),
        {"targets": [f"copy:{collection['old_copy'].pk}"], "decision": "archives", "reason": "Fonds patrimonial"},
    )
    response = documentaliste.get(reverse("weeding:statistics"))
    html = response.content.decode()
    assert "transférer aux archives" in html and "ouvrage" in html
    assert str(datetime.date.today().year) in html


def test_command_is_dry_by_default(collection):
    out = StringIO()
    call_command("weeding_candidates", stdout=out)
    assert "simulation" in out.getvalue() and "Vieil ouvrage" in out.getvalue()
    assert not WeedingDecision.objects.exists()
    call_command("weeding_candidates", "--wet-run", stdout=out)
    proposed = WeedingDecision.objects.filter(decision="propose")
    assert proposed.count() >= 4
    assert all(d.reason.startswith("règle") for d in proposed)
    # Running it again proposes nothing new; nothing was withdrawn.
    call_command("weeding_candidates", "--wet-run", stdout=out)
    assert WeedingDecision.objects.filter(decision="propose").count() == proposed.count()
    assert not Copy.objects.filter(status=Copy.Status.WITHDRAWN).exists()


def test_a_weeded_record_leaves_the_search_index(collection, staff_user, django_capture_on_commit_callbacks):
    from crpv.catalogue.search import index_records
    from crpv.catalogue.search.backends import get_backend
    from crpv.catalogue.search.query import compile_query
    from crpv.catalogue.weeding.operations import decide

    digital = collection["digital"]
    index_records([digital.pk])
    tree = compile_query("vieille vidéo")
    assert [pk for pk, _ in get_backend().candidates(tree, 10)] == [digital.pk]
    with django_capture_on_commit_callbacks(execute=True):
        decide(targets=[(None, digital)], decision="eliminer", reason="Périmé", acting_user=staff_user)
    assert get_backend().candidates(tree, 10) == []
