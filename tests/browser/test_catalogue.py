"""The catalogue's public pages in Chromium: axe-core, no CSP violation (JSON-LD data block), htmx filters."""

import pytest
from playwright.sync_api import expect

from crpv.catalogue.models import Record
from tests.catalogue.test_search import build_corpus

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def corpus(transactional_db):
    return build_corpus()


def watch_csp(page):
    """Script CSP violations (htmx's own inline indicator style is a separate, site-wide matter)."""
    violations = []
    page.on(
        "console",
        lambda m: (
            violations.append(m.text) if "Content Security Policy" in m.text and "script-src" in m.text else None
        ),
    )
    return violations


def test_search_results_page_has_no_axe_violations(page, live_server, axe, corpus):
    violations = watch_csp(page)
    page.goto(live_server.url + "/ressources/?q=discriminations")
    assert page.get_by_role("heading", level=1).count() == 1
    assert page.get_by_role("search").count() == 1
    assert page.locator("ol.search-results > li").count() == 2
    assert axe(page) == []
    # A facet checkbox updates the results through htmx; the status region says how many.
    page.get_by_label("kit pédagogique (1)").check()
    # (a locator, not wait_for_function: evaluating a string is eval, which our CSP forbids)
    expect(page.locator("ol.search-results > li")).to_have_count(1)
    assert "1 notice" in page.locator("#statut-recherche").inner_text()
    assert "type=kit" in page.url
    assert axe(page) == []
    assert violations == []


def test_record_page_has_no_axe_violations_and_no_csp_violation(page, live_server, axe, corpus):
    violations = watch_csp(page)
    record = Record.objects.get(title__startswith="Kit de sensibilisation")
    page.goto(f"{live_server.url}/ressources/notices/{record.pk}/")
    assert page.get_by_role("heading", level=1).count() == 1
    assert page.locator("script[type='application/ld+json']").count() == 1
    assert axe(page) == []
    assert violations == []


def test_toolbox_has_no_axe_violations(page, live_server, axe, corpus):
    page.goto(live_server.url + "/ressources/boite-a-outils/")
    assert axe(page) == []


def test_appointment_cancellation_pages_have_no_axe_violations(page, live_server, axe, corpus):
    """The requester's cancellation link: the confirmation page, then the result, with the keyboard."""
    import datetime

    from django.utils import timezone

    from crpv.catalogue import desk
    from crpv.catalogue.models import ConsultationRequest

    record = Record.objects.get(title__startswith="Kit de sensibilisation")
    consultation = ConsultationRequest.objects.create(
        record=record,
        name="Awa Diallo",
        email="awa@ville.example",
        wished_slots="jeudi",
        status=ConsultationRequest.Status.CONFIRMED,
        appointment_at=timezone.now() + datetime.timedelta(days=5),
    )
    page.goto(f"{live_server.url}/ressources/consultation/annuler/{desk.cancel_token(consultation)}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Annuler votre rendez-vous"
    assert axe(page) == []
    page.get_by_role("button", name="Annuler le rendez-vous").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Rendez-vous annulé")
    assert axe(page) == []
    page.goto(f"{live_server.url}/ressources/consultation/annuler/abimé/")
    assert page.get_by_role("heading", level=1).inner_text() == "Lien non valable"
    assert axe(page) == []


def test_loans_history_and_its_error_state_have_no_axe_violations(page, live_server, axe, django_user_model):
    """The Espace doc's loans page: a record's history, then a date range given backwards (error beside the field)."""
    import datetime

    from django.contrib.auth.models import Group
    from django.utils import timezone

    from crpv.catalogue.models import Copy, Loan

    user = django_user_model.objects.create_user(username="doc", password="un-mot-de-passe-long", is_staff=True)
    user.groups.set([Group.objects.get(name="documentaliste")])
    today = timezone.localdate()
    record = Record.objects.create(title="Le guide de la participation des habitants", publication_year=2022)
    first = Copy.objects.create(record=record, call_number="PV 12", barcode="IREV0001")
    second = Copy.objects.create(record=record, call_number="PV 12 bis", barcode="IREV0002")
    Loan.objects.create(
        copy=first,
        borrower_name="Bruno Petit",
        borrower_email="bruno@asso.example",
        lent_on=today - datetime.timedelta(days=5),
        due_on=today + datetime.timedelta(days=16),
    )
    returned = Loan.objects.create(
        copy=second,
        borrower_name="Awa Diallo",
        borrower_email="awa@ville.example",
        lent_on=today - datetime.timedelta(days=90),
        due_on=today - datetime.timedelta(days=60),
        returned_on=today - datetime.timedelta(days=50),
    )
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Identifiant").fill("doc")
    page.get_by_label("Mot de passe").fill("un-mot-de-passe-long")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{live_server.url}/gestion/")
    page.goto(f"{live_server.url}/gestion/espace-doc/prets/?notice={record.pk}")
    assert page.get_by_role("heading", level=1).count() == 1
    assert page.locator("tbody tr").count() == 2  # the guide's current and returned loans
    assert returned.borrower_name in page.locator("tbody").inner_text()
    assert axe(page) == []
    page.goto(f"{live_server.url}/gestion/espace-doc/prets/?status=tous&du=2026-06-01&au=2026-01-01")
    field = page.get_by_label("prêtés jusqu'au")
    assert field.get_attribute("aria-invalid") == "true"
    assert axe(page) == []
