"""Agenda and event page in Chromium: axe-core, JSON-LD under the CSP, registering with the keyboard only."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

pytestmark = pytest.mark.django_db(transaction=True)

LISTEN_CSP = """() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective));
}"""


def make_event(**fields):
    from crpv.events.models import Event, EventMode, EventStatus, Session

    defaults = {
        "title": "Journée des pilotes des contrats de ville",
        "format": "journee",
        "mode": EventMode.IN_PERSON,
        "status": EventStatus.PUBLISHED,
        "capacity": 30,
        "place_name": "Maison de quartier",
    }
    event = Event.objects.create(**{**defaults, **fields})
    start = timezone.now() + datetime.timedelta(days=12)
    Session.objects.create(event=event, starts_at=start, ends_at=start + datetime.timedelta(hours=3))
    return event


def open_watching_csp(page, url):
    page.add_init_script("(" + LISTEN_CSP + ")()")
    page.goto(url)
    page.wait_for_load_state("networkidle")


def test_agenda_has_no_axe_violations_and_filters_without_reload(page, live_server, axe):
    make_event()
    make_event(title="Webinaire évaluation", format="webinaire", mode="distanciel")
    open_watching_csp(page, f"{live_server.url}/evenements/")
    assert axe(page) == []
    page.get_by_label("Format").select_option("webinaire")
    expect(page.locator("#resultats h2")).to_have_count(1)
    assert page.locator("#resultats h2").inner_text() == "Webinaire évaluation"
    assert "format=webinaire" in page.url
    assert axe(page) == []
    assert page.evaluate("window.__csp") == []


def test_event_page_and_its_error_state_have_no_axe_violations_nor_csp_reports(page, live_server, axe):
    event = make_event()
    open_watching_csp(page, f"{live_server.url}{event.get_absolute_url()}")
    assert page.locator('script[type="application/ld+json"]').count() == 1
    assert page.evaluate(
        "JSON.parse(document.querySelector('script[type=\"application/ld+json\"]').text)['@type']"
    ) == ("Event")
    assert axe(page) == []
    page.get_by_role("button", name="M'inscrire").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("alert").is_visible()
    assert axe(page) == []
    assert page.evaluate("window.__csp") == []


def test_register_with_the_keyboard_only(page, live_server):
    from crpv.events.models import Registration

    event = make_event()
    page.goto(f"{live_server.url}{event.get_absolute_url()}")
    page.get_by_label("Prénom").focus()
    page.keyboard.type("Camille")
    page.keyboard.press("Tab")
    page.keyboard.type("Durand")
    page.keyboard.press("Tab")
    page.keyboard.type("camille.durand@ville.example")
    # Through the optional fields to the button, with Tab only.
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "M'inscrire":
            break
    assert page.evaluate("document.activeElement.tagName") == "BUTTON"
    page.keyboard.press("Enter")
    page.wait_for_url("**/evenements/inscription/**")
    assert "est confirmée" in page.get_by_role("status").inner_text()
    assert Registration.objects.get().person.email == "camille.durand@ville.example"


def test_survey_deliveries_page_has_no_axe_violations(page, live_server, axe, django_user_model):
    """The staff screen of a survey's deliveries, with a failure and a reminder."""
    from django.contrib.auth.models import Permission

    from crpv.events.models import SurveyDelivery
    from tests.events.test_attendance_helpers import enrol, make_cycle
    from tests.events.test_surveys import _survey_with_questions

    user = django_user_model.objects.create_user(username="sacha", password="un-mot-de-passe-long", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="events"))
    event = make_cycle()
    survey = _survey_with_questions(event)
    survey.sent_at = timezone.now()
    survey.save()
    helene, karim, zoe, _ = enrol(event)
    SurveyDelivery.objects.create(
        survey=survey, registration=helene, kind="questionnaire", status="envoye", sent_at=timezone.now()
    )
    SurveyDelivery.objects.create(
        survey=survey, registration=karim, kind="questionnaire", status="echec", error="550 5.1.1 User unknown"
    )
    SurveyDelivery.objects.create(survey=survey, registration=zoe, kind="suivi", status="envoye", answered=False)
    SurveyDelivery.objects.create(survey=survey, registration=helene, kind="relance", round=1, status="envoye")
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Identifiant").fill("sacha")
    page.get_by_label("Mot de passe").fill("un-mot-de-passe-long")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(f"{live_server.url}/gestion/")
    page.goto(f"{live_server.url}/gestion/evenements/questionnaires/{survey.pk}/envois/")
    assert page.get_by_role("heading", level=1).count() == 1
    assert page.locator("tbody tr").count() == 4
    assert axe(page) == []
