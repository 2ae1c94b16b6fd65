"""Espace doc: a consultation's appointment, confirmed by e-mail (.ics, signed link), cancelled by the requester."""

import datetime
import re
from unittest import mock

import icalendar
import lxml.html
import pytest
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils import timezone

from crpv.catalogue import desk
from crpv.catalogue.models import ConsultationRequest, Copy, Record
from crpv.core.models import AuditEntry

pytestmark = pytest.mark.django_db
REQUESTER = "awa@ville.example"
CENTRE = "contact@irev.example"


@pytest.fixture
def consultation():
    record = Record.objects.create(title="Guide de la participation des habitants", publication_year=2022)
    Copy.objects.create(record=record, call_number="PV 12", barcode="IREV0001")
    return ConsultationRequest.objects.create(
        record=record, name="Awa Diallo", email=REQUESTER, wished_slots="jeudi matin"
    )


@pytest.fixture
def centre_address(settings):
    settings.CRPV_CENTRE = {**settings.CRPV_CENTRE, "address": "12 rue des Arts, 59000 Lille"}
    return settings.CRPV_CENTRE["address"]


def text(response):
    return " ".join(lxml.html.fromstring(response.content).text_content().split())


def _in_days(days, hour=10, minute=30):
    day = timezone.localdate() + datetime.timedelta(days=days)
    return day, datetime.time(hour, minute)


def _set(client, consultation, day, time, status="confirmee", **extra):
    return client.post(
        reverse("desk:consultation_change", args=[consultation.pk]),
        {
            "status": status,
            "appointment_on": day.isoformat() if day else "",
            "appointment_time": time.strftime("%H:%M") if time else "",
            "staff_note": "",
            **extra,
        },
    )


def _plain(message):
    return message.get_body(preferencelist=("plain",)).get_content()


def _cancel_path(message):
    url = re.search(r"https?://\S+/consultation/annuler/\S+/", _plain(message)).group(0)
    return url[url.index("/ressources/") :]


def test_setting_the_appointment_mails_date_place_ics_and_a_cancel_link(
    documentaliste, client, consultation, smtp_server, centre_address, django_capture_on_commit_callbacks
):
    day, time = _in_days(10)
    with django_capture_on_commit_callbacks(execute=True):
        response = _set(documentaliste, consultation, day, time, status="nouvelle", appointment="salle de lecture")
    assert response.status_code == 302
    consultation.refresh_from_db()
    # Setting the date confirms the request.
    assert consultation.status == "confirmee"
    assert timezone.localtime(consultation.appointment_at).time() == time
    [(recipients, message)] = smtp_server.messages
    assert recipients == [REQUESTER]
    assert str(message["Subject"]).strip().startswith("Rendez-vous confirmé : Guide de la participation")
    body = _plain(message)
    assert f"Date : {date_filter(day, 'l j F Y')}" in body  # « mardi 14 octobre 2025 »
    assert "Heure : 10 h 30" in body and f"Lieu : {centre_address}" in body
    assert "Précisions : salle de lecture" in body
    # The .ics attachment: one event at that time, at the centre's address.
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "rendez-vous.ics" and attachment.get_content_type() == "text/calendar"
    calendar = icalendar.Calendar.from_ical(attachment.get_content())
    [event] = calendar.walk("VEVENT")
    assert event.decoded("dtstart") == consultation.appointment_at
    assert event.decoded("dtend") - event.decoded("dtstart") == datetime.timedelta(hours=1)
    assert str(event["location"]) == centre_address
    uid = str(event["uid"])
    # The staff page shows the appointment, its form keeps the date and time.
    page = documentaliste.get(reverse("desk:consultation", args=[consultation.pk])).content.decode()
    assert f'value="{day.isoformat()}"' in page and 'value="10:30"' in page and "salle de lecture" in page

    # Moving it sends a new message; the older link no longer works.
    old_link = _cancel_path(message)
    later_day, later_time = _in_days(12, 14, 0)
    with django_capture_on_commit_callbacks(execute=True):
        _set(documentaliste, consultation, later_day, later_time)
    assert len(smtp_server.messages) == 2
    moved = smtp_server.messages[1][1]
    assert str(moved["Subject"]).strip().startswith("Rendez-vous déplacé") and "Heure : 14 h 00" in _plain(moved)
    [moved_event] = icalendar.Calendar.from_ical(next(moved.iter_attachments()).get_content()).walk("VEVENT")
    assert str(moved_event["uid"]) == uid and int(moved_event["sequence"]) >= int(event["sequence"])
    stale = client.get(old_link)
    assert stale.status_code == 400 and "rendez-vous qui a changé" in text(stale)
    # Saving again without moving it sends nothing.
    with django_capture_on_commit_callbacks(execute=True):
        _set(documentaliste, consultation, later_day, later_time, staff_note="rappel fait")
    assert len(smtp_server.messages) == 2

    # The requester cancels: a confirmation page first, then cancelled and the centre told.
    link = _cancel_path(moved)
    page = client.get(link)
    html = page.content.decode()
    assert page.status_code == 200 and html.count("<h1>") == 1 and "Annuler le rendez-vous" in html
    assert "14 h 00" in html and centre_address in html
    consultation.refresh_from_db()
    assert consultation.status == "confirmee"  # GET changes nothing
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(link)
    assert done.status_code == 200 and "Rendez-vous annulé" in text(done)
    consultation.refresh_from_db()
    assert consultation.status == "annulee" and consultation.cancelled_by_requester_at
    recipients, notice = smtp_server.messages[2]
    assert recipients == [CENTRE] and "annulé par le demandeur" in str(notice["Subject"])
    assert notice["Reply-To"] == REQUESTER and "/gestion/espace-doc/consultations/" in _plain(notice)
    entry = AuditEntry.objects.get(action="catalogue.consultation_cancelled_by_requester")
    assert entry.actor is None
    again = client.post(link)
    assert again.status_code == 409 and "déjà annulé" in text(again)
    assert len(smtp_server.messages) == 3
    staff_page = text(documentaliste.get(reverse("desk:consultation", args=[consultation.pk])))
    assert "Annulée par le demandeur" in staff_page


def test_bad_expired_or_past_links_change_nothing(client, consultation):
    consultation.status = ConsultationRequest.Status.CONFIRMED
    consultation.appointment_at = timezone.now() + datetime.timedelta(days=3)
    consultation.save()
    token = desk.cancel_token(consultation)
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    for bad in (tampered, "nimporte-quoi"):
        for method in (client.get, client.post):
            response = method(reverse("catalogue:consultation_cancel", args=[bad]))
            assert response.status_code == 400 and "n'est pas valide" in text(response)
            assert "Rien n'a été modifié" in text(response)
    later = timezone.now().timestamp() + 401 * 24 * 3600
    with mock.patch("django.core.signing.time.time", return_value=later):
        response = client.post(reverse("catalogue:consultation_cancel", args=[token]))
    assert response.status_code == 400 and "a expiré" in text(response)
    # A link whose appointment is past.
    ConsultationRequest.objects.filter(pk=consultation.pk).update(
        appointment_at=timezone.now() - datetime.timedelta(hours=1)
    )
    consultation.refresh_from_db()
    response = client.post(reverse("catalogue:consultation_cancel", args=[desk.cancel_token(consultation)]))
    assert response.status_code == 400 and "est passé" in text(response)
    consultation.refresh_from_db()
    assert consultation.status == "confirmee" and consultation.cancelled_by_requester_at is None
    assert not AuditEntry.objects.filter(action="catalogue.consultation_cancelled_by_requester").exists()
    consultation.delete()
    response = client.get(reverse("catalogue:consultation_cancel", args=[token]))
    assert response.status_code == 404


def test_staff_form_errors(documentaliste, consultation, django_capture_on_commit_callbacks, smtp_server):
    day, time = _in_days(5)
    with django_capture_on_commit_callbacks(execute=True):
        no_time = _set(documentaliste, consultation, day, None)
        no_day = _set(documentaliste, consultation, None, time)
        none = _set(documentaliste, consultation, None, None)
        past = _set(documentaliste, consultation, *_in_days(-1))
        bad = _set(documentaliste, consultation, None, None, appointment_on="31/02/2025")
    assert no_time.status_code == 400 and "Indiquez aussi l'heure" in text(no_time)
    assert 'aria-describedby="id_appointment_time_erreur' in no_time.content.decode()
    assert no_day.status_code == 400 and "Indiquez aussi la date" in text(no_day)
    assert none.status_code == 400 and "fixez la date et l'heure" in text(none)
    assert 'id="id_appointment_on_erreur' in none.content.decode()
    assert past.status_code == 400 and "déjà passé" in text(past)
    assert bad.status_code == 400 and "Saisissez une date valide" in text(bad)
    consultation.refresh_from_db()
    assert consultation.status == "nouvelle" and consultation.appointment_at is None
    assert not smtp_server.messages


def test_staff_cancelling_a_confirmed_appointment_tells_the_requester(
    documentaliste, consultation, smtp_server, django_capture_on_commit_callbacks
):
    day, time = _in_days(4, 9, 0)
    with django_capture_on_commit_callbacks(execute=True):
        _set(documentaliste, consultation, day, time)
    with django_capture_on_commit_callbacks(execute=True):
        response = _set(documentaliste, consultation, day, time, status="annulee")
    assert response.status_code == 302
    assert [r for r, _ in smtp_server.messages] == [[REQUESTER], [REQUESTER]]
    cancelled = smtp_server.messages[1][1]
    assert str(cancelled["Subject"]).strip().startswith("Rendez-vous annulé : ")
    assert "/consultation/annuler/" not in _plain(cancelled)
    [event] = icalendar.Calendar.from_ical(next(cancelled.iter_attachments()).get_content()).walk("VEVENT")
    assert str(event["status"]) == "CANCELLED"


def test_a_confirmation_overtaken_by_a_cancellation_is_not_sent(
    documentaliste, consultation, smtp_server, django_capture_on_commit_callbacks
):
    """Both changes commit before the worker runs: the requester only hears of the cancellation."""
    day, time = _in_days(4, 9, 0)
    with django_capture_on_commit_callbacks(execute=True):
        _set(documentaliste, consultation, day, time)
        _set(documentaliste, consultation, day, time, status="annulee")
    assert len(smtp_server.messages) == 1
    assert str(smtp_server.messages[0][1]["Subject"]).strip().startswith("Rendez-vous annulé")
