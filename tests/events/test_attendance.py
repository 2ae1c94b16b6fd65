"""Attendance: check-in at the door, bulk marking, émargement sheet, completion rule."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crpv.core.models import AuditEntry
from crpv.events import attendance
from crpv.events.models import Attendance, AttendanceRules, AttendanceSource, RegistrationStatus

from .test_attendance_helpers import PEOPLE, enrol, make_cycle, many_people, pdf_text

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def cycle():
    return make_cycle(sessions=[(9, 12), (9, 17), (14, 16), (9, 12), (9, 12)])


def test_check_in_search_as_you_type_returns_the_fragment(events_client, cycle):
    enrol(cycle)
    enrol(cycle, [("Zoé", "Absente", "za@x.example", "")], status=RegistrationStatus.CANCELLED)
    session = cycle.sessions.first()
    page = events_client.get(reverse("events_staff:attendance_check_in", args=[session.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'hx-trigger="input changed delay:200ms, search"' in html
    assert 'aria-live="polite"' in html
    assert html.count("<h1>") == 1
    url = reverse("events_staff:attendance_check_in_search", args=[session.pk])
    response = events_client.get(url, {"q": "zoe"}, **HTMX)
    fragment = response.content.decode()
    assert "<html" not in fragment
    assert "LEFÈVRE Zoé" in fragment
    assert "Ville de Roubaix" in fragment
    assert "Absente" not in fragment  # only confirmed registrations
    assert "DUPRÉ" not in fragment
    by_email = events_client.get(url, {"q": "karim.ben"}, **HTMX).content.decode()
    assert "BENALI Karim" in by_email
    # Without htmx the search falls back to the full page.
    assert events_client.get(url, {"q": "zoe"}).status_code == 302


def test_check_in_search_query_count_does_not_grow(events_client, cycle):
    session = cycle.sessions.first()
    url = reverse("events_staff:attendance_check_in_search", args=[session.pk])
    enrol(cycle, many_people(2))
    events_client.get(url, {"q": "personne"}, **HTMX)  # warm the session and permission caches
    with CaptureQueriesContext(connection) as few:
        events_client.get(url, {"q": "personne"}, **HTMX)
    registrations = enrol(cycle, many_people(30, prefix="Autre"))
    attendance.mark_many(session=session, registrations=registrations, acting_user=None)
    with CaptureQueriesContext(connection) as many:
        response = events_client.get(url, {"q": ""}, **HTMX)
    assert response.content.decode().count('class="checkin-row') == 20  # capped
    assert len(many) == len(few)


def test_one_tap_marks_present_and_undo_clears(events_client, cycle, events_staff):
    zoe = enrol(cycle)[2]
    session = cycle.sessions.first()
    url = reverse("events_staff:attendance_check_in_mark", args=[session.pk, zoe.pk])
    response = events_client.post(url, {"action": "present"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="accueil-{zoe.pk}"' in html
    assert "Annuler" in html and "est noté·e présent·e" in html
    mark = Attendance.objects.get(session=session, registration=zoe)
    assert mark.present and mark.source == AttendanceSource.CHECK_IN and mark.marked_by == events_staff
    assert AuditEntry.objects.filter(action="attendance.marked").count() == 1
    response = events_client.post(url, {"action": "undo"}, **HTMX)
    assert "Présence de Zoé Lefèvre annulée" in response.content.decode()
    assert not Attendance.objects.filter(session=session).exists()
    # Without JavaScript: a plain POST redirects back to the search.
    response = events_client.post(url, {"action": "present", "q": "zoe"})
    assert response.status_code == 302 and response["Location"].endswith("?q=zoe")


def test_check_in_refuses_a_registration_of_another_event(events_client, cycle):
    other = make_cycle(title="Autre")
    stranger = enrol(other, PEOPLE[:1])[0]
    session = cycle.sessions.first()
    url = reverse("events_staff:attendance_check_in_mark", args=[session.pk, stranger.pk])
    assert events_client.post(url, {"action": "present"}, **HTMX).status_code == 404


def test_check_in_needs_csrf(client, events_staff, cycle):
    from django.test import Client

    zoe = enrol(cycle)[2]
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(events_staff)
    url = reverse("events_staff:attendance_check_in_mark", args=[cycle.sessions.first().pk, zoe.pk])
    assert strict.post(url, {"action": "present"}, **HTMX).status_code == 403


def test_bulk_marking_on_the_session_list(events_client, cycle):
    helene, karim, zoe, jm = enrol(cycle)
    session = cycle.sessions.first()
    url = reverse("events_staff:attendance_session", args=[session.pk])
    response = events_client.post(url, {"action": "present", "registrations": [helene.pk, karim.pk, zoe.pk]})
    assert response.status_code == 302
    events_client.post(url, {"action": "absent", "registrations": [zoe.pk]})
    assert set(Attendance.objects.filter(session=session, present=True).values_list("registration", flat=True)) == {
        helene.pk,
        karim.pk,
    }
    assert Attendance.objects.get(registration=zoe).present is False
    events_client.post(url, {"action": "clear", "registrations": [zoe.pk]})
    assert not Attendance.objects.filter(registration=zoe).exists()
    page = events_client.get(url).content.decode()
    assert "<strong>2</strong> présent·es sur 4 inscrit·es" in page
    assert "non pointé·e" in page
    # An unknown action or a foreign registration is refused by the form.
    bad = events_client.post(url, {"action": "present", "registrations": [999999]})
    assert bad.status_code == 200 and "erreur" in bad.content.decode()


def test_staff_without_events_rights_is_refused(client, django_user_model, cycle):
    user = django_user_model.objects.create_user(username="sans-droit", password="x", is_staff=True)
    client.force_login(user)
    assert client.get(reverse("events_staff:attendance", args=[cycle.pk])).status_code == 403


def test_emargement_pdf_lists_names_structures_and_a_signature_column(events_client, cycle):
    enrol(cycle)
    enrol(cycle, many_people(26))
    enrol(cycle, [("Annulé", "Parti", "parti@x.example", "")], status=RegistrationStatus.CANCELLED)
    session = cycle.sessions.first()
    response = events_client.get(reverse("events_staff:attendance_sheet", args=[session.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    pages = pdf_text(response.content)
    assert len(pages) == 2  # 30 names, 25 a page
    first = pages[0]
    for text in ("Feuille d'émargement", "IREV", "Cycle Transitions et contrat de ville", "Signature", "Structure"):
        assert text in first
    assert "DUPRÉ" in first and "Hélène" in first and "Ville de Lille" in first
    assert "Maison de l'habitant" in first
    assert "page 1 / 2" in first and "page 2 / 2" in pages[1]
    assert "PARTI" not in "".join(pages)


def test_completion_rule_counts_held_sessions_and_follows_the_event_setting(events_client, cycle):
    helene, karim, zoe, _ = enrol(cycle)
    sessions = list(cycle.sessions.all())
    for session in sessions[:4]:
        attendance.mark_attendance(session=session, registration=helene, acting_user=None)
    for session in sessions[:3]:
        attendance.mark_attendance(session=session, registration=karim, acting_user=None)
    attendance.mark_attendance(session=sessions[0], registration=zoe, present=False, acting_user=None)
    summary = {p.registration.pk: p for p in attendance.summarise(cycle)}
    assert summary[helene.pk].completed  # 4 of 5 = 80 %
    assert not summary[karim.pk].completed  # 3 of 5
    assert summary[zoe.pk].attended == 0
    assert summary[helene.pk].half_days == 1 + 2 + 1 + 1
    # A cancelled session is not counted in the total.
    sessions[4].cancelled = True
    sessions[4].save()
    summary = {p.registration.pk: p for p in attendance.summarise(cycle)}
    assert summary[karim.pk].total_sessions == 4 and not summary[karim.pk].completed  # 3 of 4 = 75 %
    # The staff sets the rule to 70 % on the attendance page.
    url = reverse("events_staff:attendance", args=[cycle.pk])
    response = events_client.post(url, {"completion_ratio": "0.7", "min_presence_ratio": "0.5"})
    assert response.status_code == 302
    assert AttendanceRules.objects.get(event=cycle).completion_ratio == 0.7
    summary = {p.registration.pk: p for p in attendance.summarise(cycle)}
    assert summary[karim.pk].completed
    page = events_client.get(url).content.decode()
    assert "<strong>2</strong> parcours validés" in page
    assert "à partir de 70 % des séances" in page
    bad = events_client.post(url, {"completion_ratio": "1.5", "min_presence_ratio": "0.5"})
    assert bad.status_code == 200 and AttendanceRules.objects.get(event=cycle).completion_ratio == 0.7
