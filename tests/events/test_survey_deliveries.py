"""Survey deliveries: one row per recipient, each sent or failed over real SMTP, reminders, the staff screen."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from crpv.contacts.models import Person
from crpv.core.models import AuditEntry
from crpv.events import attendance, surveys
from crpv.events.models import SurveyDelivery, SurveyResponse

from .test_attendance_helpers import enrol, make_cycle, many_people
from .test_surveys import _answer_data, _body, _survey_with_questions

HELENE, KARIM, ZOE, JM = (
    "helene.dupre@lille.example",
    "karim.benali@mel.example",
    "zoe.lefevre@roubaix.example",
    "jm@amiens.example",
)


def _setup(anonymous=True):
    """Hélène and Karim attended; Zoé was marked absent, Jean-Marc not marked."""
    event = make_cycle()
    helene, karim, zoe, jm = enrol(event)
    session = event.sessions.first()
    attendance.mark_many(session=session, registrations=[helene, karim], acting_user=None)
    attendance.mark_attendance(session=session, registration=zoe, present=False, acting_user=None)
    survey = _survey_with_questions(event, anonymous=anonymous)
    return survey, (helene, karim, zoe, jm)


def _by_recipient(smtp_server):
    found = {}
    for recipients, message in smtp_server.messages:
        for address in recipients:
            found.setdefault(address, []).append(message)
    return found


def _link(message):
    url = re.search(r"https?://\S+/evenements/questionnaire/\S+/", _body(message)).group(0)
    return url[url.index("/evenements/") :]


def _flash(response):
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


@pytest.mark.django_db(transaction=True)
def test_one_delivery_per_recipient_a_refused_address_does_not_stop_the_others(smtp_server, events_client):
    survey, (helene, karim, zoe, jm) = _setup()
    smtp_server.refused.add(KARIM)
    send = reverse("events_staff:survey_send", args=[survey.pk])

    response = events_client.post(send, follow=True)
    assert "questionnaire pour 2 personne(s) présente(s), message de suivi pour 2" in _flash(response)
    received = _by_recipient(smtp_server)
    assert set(received) == {HELENE, ZOE, JM}
    deliveries = {d.registration_id: d for d in SurveyDelivery.objects.filter(survey=survey)}
    assert len(deliveries) == 4
    assert deliveries[helene.pk].kind == "questionnaire" and deliveries[zoe.pk].kind == "suivi"
    assert deliveries[jm.pk].kind == "suivi"
    for registration in (helene, zoe, jm):
        delivery = deliveries[registration.pk]
        assert delivery.status == "envoye" and delivery.sent_at and delivery.error == ""
    refused = deliveries[karim.pk]
    assert refused.status == "echec" and refused.sent_at is None
    assert "550" in refused.error and "Recipient address rejected" in refused.error
    assert KARIM not in refused.error  # the row outlives an erasure of the person: no address in it
    entry = AuditEntry.objects.get(action="survey.sent")
    assert entry.details["attendees"] == 2 and entry.details["no_shows"] == 2

    # The staff screen: who, which message, sent or failed, answered or not, with counts.
    page = events_client.get(reverse("events_staff:survey_deliveries", args=[survey.pk]))
    html = page.content.decode()
    assert page.status_code == 200 and html.count("<h1>") == 1 and "<caption>" in html and 'scope="row"' in html
    assert "<strong>3</strong> messages envoyés" in html and "<strong>1</strong> échec" in html
    assert "<strong>0</strong> sur 2 personnes ont répondu" in html
    assert "Karim Benali" in html and "Recipient address rejected" in html
    assert "Documents et replay (absent·e)" in html and "Questionnaire" in html
    failed_only = events_client.get(reverse("events_staff:survey_deliveries", args=[survey.pk]), {"status": "echec"})
    assert "Karim Benali" in failed_only.content.decode() and "Hélène" not in failed_only.content.decode()
    bad_filter = events_client.get(reverse("events_staff:survey_deliveries", args=[survey.pk]), {"status": "x"})
    assert bad_filter.status_code == 400 and "Sélectionnez un choix valide" in bad_filter.content.decode()

    # Karim's address is fixed: sending again retries his message only; nobody gets a second one.
    smtp_server.refused.clear()
    response = events_client.post(send, {"next": "envois"})
    assert response.status_code == 302 and response["Location"].endswith("/envois/")
    received = _by_recipient(smtp_server)
    assert {address: len(messages) for address, messages in received.items()} == {
        HELENE: 1,
        KARIM: 1,
        ZOE: 1,
        JM: 1,
    }
    refused.refresh_from_db()
    assert refused.status == "envoye" and refused.error == ""
    # Nobody new: refused with a message, nothing sent.
    response = events_client.post(send, follow=True)
    assert "personne de nouveau" in _flash(response)
    assert len(smtp_server.messages) == 4

    # A person whose attendance is noted later gets the questionnaire on the next send, alone.
    late = enrol(survey.event, people=[("Léa", "Tardive", "lea@lens.example", "")])[0]
    attendance.mark_many(session=survey.event.sessions.first(), registrations=[late], acting_user=None)
    events_client.post(send)
    assert [r for r, _ in smtp_server.messages[4:]] == [["lea@lens.example"]]
    assert SurveyDelivery.objects.filter(survey=survey).count() == 5


@pytest.mark.django_db(transaction=True)
def test_server_unreachable_every_failure_recorded_then_retried(smtp_server, events_client, settings):
    survey, _ = _setup()
    port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 9  # nothing listens there
    events_client.post(reverse("events_staff:survey_send", args=[survey.pk]))
    failed = list(SurveyDelivery.objects.filter(survey=survey))
    assert len(failed) == 4 and all(d.status == "echec" and "Connection" in d.error for d in failed)
    settings.EMAIL_PORT = port
    events_client.post(reverse("events_staff:survey_send", args=[survey.pk]))
    assert len(smtp_server.messages) == 4
    assert set(SurveyDelivery.objects.values_list("status", flat=True)) == {"envoye"}


@pytest.mark.django_db(transaction=True)
def test_people_without_address_are_recorded_as_failed(smtp_server, events_client):
    survey, (helene, *_rest) = _setup()
    Person.objects.filter(pk=helene.person_id).update(email="")
    response = events_client.post(reverse("events_staff:survey_send", args=[survey.pk]), follow=True)
    assert "1 personne(s) sans adresse électronique" in _flash(response)
    delivery = SurveyDelivery.objects.get(registration=helene)
    assert delivery.status == "echec" and "Pas d'adresse électronique" in delivery.error
    assert len(smtp_server.messages) == 3


@pytest.mark.django_db(transaction=True)
def test_reminder_goes_only_to_those_who_have_not_answered(smtp_server, client, events_client):
    survey, (helene, karim, zoe, jm) = _setup(anonymous=True)
    remind = reverse("events_staff:survey_remind", args=[survey.pk])
    response = events_client.post(remind, follow=True)
    assert "n'est pas encore envoyé" in _flash(response)
    events_client.post(reverse("events_staff:survey_send", args=[survey.pk]))
    first = _by_recipient(smtp_server)
    assert client.post(_link(first[HELENE][0]), _answer_data(survey)).status_code == 200
    helene_delivery = SurveyDelivery.objects.get(registration=helene)
    assert helene_delivery.answered
    # Anonymous: the response still names nobody.
    assert SurveyResponse.objects.get().registration is None

    response = events_client.post(remind, {"next": "envois"}, follow=True)
    assert "Relance en cours pour 1 personne(s)" in _flash(response)
    reminders = smtp_server.messages[4:]
    assert [r for r, _ in reminders] == [[KARIM]]
    message = reminders[0][1]
    assert str(message["Subject"]).startswith("Rappel : votre avis")
    assert "pas encore reçu votre avis" in _body(message)
    reminder = SurveyDelivery.objects.get(survey=survey, round=1)
    assert reminder.kind == "relance" and reminder.status == "envoye" and reminder.registration == karim
    assert AuditEntry.objects.filter(action="survey.reminded").count() == 1

    # Karim answers through the reminder; his first link then says he already answered.
    assert client.post(_link(message), _answer_data(survey, scale="2")).status_code == 200
    assert client.get(_link(first[KARIM][0])).status_code == 409
    again = client.post(_link(first[KARIM][0]), _answer_data(survey, scale="5"))
    assert again.status_code == 409 and "déjà répondu" in again.content.decode()
    assert SurveyResponse.objects.count() == 2
    assert set(SurveyDelivery.objects.filter(registration=karim).values_list("answered", flat=True)) == {True}

    page = events_client.get(reverse("events_staff:survey_deliveries", args=[survey.pk])).content.decode()
    assert "<strong>2</strong> sur 2 personnes ont répondu" in page and "<strong>1</strong> relance" in page
    assert re.search(r"Relance du questionnaire\s+n° 1", page) and "a répondu" in page
    response = events_client.post(remind, follow=True)
    assert "Personne à relancer" in _flash(response)
    assert len(smtp_server.messages) == 5


@pytest.mark.django_db(transaction=True)
def test_named_survey_answer_marks_the_delivery(smtp_server, client, events_client):
    survey, (helene, *_rest) = _setup(anonymous=False)
    events_client.post(reverse("events_staff:survey_send", args=[survey.pk]))
    link = _link(_by_recipient(smtp_server)[HELENE][0])
    assert client.post(link, _answer_data(survey)).status_code == 200
    assert SurveyResponse.objects.get().registration == helene
    assert SurveyDelivery.objects.get(registration=helene).answered


@pytest.mark.django_db
def test_reminder_refused_while_sending_or_when_closed(events_client):
    survey, (helene, *_rest) = _setup()
    survey.sent_at = timezone.now()
    survey.save()
    SurveyDelivery.objects.create(survey=survey, registration=helene, kind="questionnaire")
    remind = reverse("events_staff:survey_remind", args=[survey.pk])
    assert "Un envoi est en cours" in _flash(events_client.post(remind, follow=True))
    survey.opens_at = timezone.now() - timezone.timedelta(days=2)
    survey.closes_at = timezone.now() - timezone.timedelta(days=1)
    survey.save()
    assert "questionnaire est clos" in _flash(events_client.post(remind, follow=True))
    assert SurveyDelivery.objects.count() == 1


@pytest.mark.django_db
def test_permissions(client, django_user_model):
    survey, _ = _setup()
    deliveries = reverse("events_staff:survey_deliveries", args=[survey.pk])
    assert client.get(deliveries).status_code == 302  # login first
    reader = django_user_model.objects.create_user(username="lecteur", password="x", is_staff=True)
    reader.user_permissions.set(Permission.objects.filter(codename="view_survey"))
    client.force_login(reader)
    assert client.get(deliveries).status_code == 200
    page = client.get(deliveries).content.decode()
    assert "Relancer" not in page
    assert client.post(reverse("events_staff:survey_remind", args=[survey.pk])).status_code == 403
    assert client.post(reverse("events_staff:survey_send", args=[survey.pk])).status_code == 403
    assert not SurveyDelivery.objects.exists()


@pytest.mark.django_db
def test_deliveries_screen_query_count_does_not_grow(events_client, django_capture_on_commit_callbacks):
    event = make_cycle()
    survey = _survey_with_questions(event)
    url = reverse("events_staff:survey_deliveries", args=[survey.pk])
    registrations = enrol(event, people=many_people(3))
    for registration in registrations:
        SurveyDelivery.objects.create(survey=survey, registration=registration, kind="questionnaire")
    events_client.get(url)
    with CaptureQueriesContext(connection) as few:
        events_client.get(url)
    for registration in enrol(event, people=many_people(30, prefix="Autre")):
        SurveyDelivery.objects.create(survey=survey, registration=registration, kind="suivi", status="envoye")
    with CaptureQueriesContext(connection) as many:
        html = events_client.get(url).content.decode()
    assert len(many) == len(few)
    assert "Messages du questionnaire (33)" in html


def test_smtp_error_text_keeps_the_server_answer():
    import smtplib

    error = smtplib.SMTPRecipientsRefused({"X@y.example": (550, b"5.1.1 <X@y.example>: User unknown")})
    assert surveys.smtp_error_text(error, "x@Y.example") == "550 5.1.1 <(adresse)>: User unknown"
    assert surveys.smtp_error_text(smtplib.SMTPDataError(554, b"rejected")) == "554 rejected"
    assert surveys.smtp_error_text(ConnectionRefusedError(111, "Connection refused")).startswith(
        "ConnectionRefusedError"
    )


@pytest.mark.django_db
def test_a_survey_sent_before_deliveries_were_recorded_is_not_sent_again(events_client):
    survey, _ = _setup()
    survey.sent_at = timezone.now()
    survey.save()
    response = events_client.post(reverse("events_staff:survey_send", args=[survey.pk]), follow=True)
    assert "envoyé avant le suivi des envois" in _flash(response)
    assert not SurveyDelivery.objects.exists()
