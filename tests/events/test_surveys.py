"""Satisfaction surveys: builder, sending over SMTP, answering once, results, exports."""

import hashlib
import io
import re

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crpv.core.models import AuditEntry
from crpv.events import attendance, surveys
from crpv.events.models import EventDocument, Survey, SurveyAnswer, SurveyQuestionKind, SurveyResponse

from .test_attendance_helpers import enrol, make_cycle

HTMX = {"HTTP_HX_REQUEST": "true"}


def _body(message):
    return message.get_body(preferencelist=("plain",)).get_content()


def _survey_with_questions(event, anonymous=True):
    survey = Survey.objects.create(event=event, title="Votre avis", anonymous=anonymous)
    surveys.add_question(
        survey=survey, acting_user=None, kind=SurveyQuestionKind.SCALE, label="Satisfaction", required=True
    )
    surveys.add_question(
        survey=survey, acting_user=None, kind=SurveyQuestionKind.SINGLE, label="Format", choices=["Visio", "Salle"]
    )
    surveys.add_question(
        survey=survey,
        acting_user=None,
        kind=SurveyQuestionKind.MULTIPLE,
        label="Thèmes",
        choices=["GUSP", "TFPB", "Emploi"],
    )
    surveys.add_question(survey=survey, acting_user=None, kind=SurveyQuestionKind.TEXT, label="Remarques")
    return survey


def _answer_data(survey, scale="4", single="Visio", multiple=("GUSP", "TFPB"), text="Très utile"):
    q = {question.kind: f"q{question.pk}" for question in survey.questions.all()}
    return {q["echelle"]: scale, q["choix"]: single, q["choix_multiple"]: list(multiple), q["texte"]: text}


@pytest.mark.django_db
def test_builder_creates_the_survey_and_edits_questions(events_client):
    event = make_cycle()
    response = events_client.post(
        reverse("events_staff:surveys", args=[event.pk]),
        {"title": "Votre avis sur le webinaire", "intro": "Merci !", "anonymous": "on", "no_show_message": ""},
    )
    survey = Survey.objects.get()
    assert response.status_code == 302 and survey.anonymous
    add = reverse("events_staff:survey_question_add", args=[survey.pk])
    events_client.post(add, {"kind": "echelle", "label": "Satisfaction globale", "required": "on"})
    events_client.post(add, {"kind": "choix", "label": "Format préféré", "choices": "Visio\nSalle\n"})
    events_client.post(add, {"kind": "texte", "label": "Remarques"})
    refused = events_client.post(add, {"kind": "choix_multiple", "label": "Thèmes", "choices": "Un seul"})
    assert refused.status_code == 400 and "Indiquez au moins deux choix" in refused.content.decode()
    labels = list(survey.questions.values_list("label", flat=True))
    assert labels == ["Satisfaction globale", "Format préféré", "Remarques"]
    last = survey.questions.get(label="Remarques")
    fragment = events_client.post(
        reverse("events_staff:survey_question_move", args=[last.pk]), {"direction": "up"}, **HTMX
    ).content.decode()
    assert "<html" not in fragment and 'id="questions"' in fragment
    assert list(survey.questions.values_list("label", flat=True)) == [
        "Satisfaction globale",
        "Remarques",
        "Format préféré",
    ]
    events_client.post(reverse("events_staff:survey_question_delete", args=[last.pk]))
    assert survey.questions.count() == 2
    page = events_client.get(reverse("events_staff:survey", args=[survey.pk])).content.decode()
    assert page.count("<h1>") == 1 and "Format préféré" in page and "Visio · Salle" in page
    events_client.post(
        reverse("events_staff:survey", args=[survey.pk]),
        {"title": "Votre avis (v2)", "intro": "", "no_show_message": "Le replay est en ligne."},
    )
    survey.refresh_from_db()
    assert survey.title == "Votre avis (v2)" and not survey.anonymous
    listing = events_client.get(reverse("events_staff:surveys", args=[event.pk])).content.decode()
    assert "Votre avis (v2)" in listing


@pytest.mark.django_db(transaction=True)
def test_send_answer_once_anonymously(smtp_server, client, events_client):
    event = make_cycle(sessions=[(9, 12), (14, 16)])
    helene, karim, zoe, _ = enrol(event)
    session = event.sessions.first()
    attendance.mark_many(session=session, registrations=[helene, karim], acting_user=None)
    attendance.mark_attendance(session=session, registration=zoe, present=False, acting_user=None)
    document = EventDocument(event=event, title="Support de présentation")
    document.file.save("support.pdf", ContentFile(b"%PDF-1.4"), save=True)
    survey = _survey_with_questions(event)
    survey.no_show_message = "Le replay est en ligne."
    survey.save()

    response = events_client.post(reverse("events_staff:survey_send", args=[survey.pk]))
    assert response.status_code == 302
    by_recipient = {rcpt[0]: message for rcpt, message in smtp_server.messages}
    # Attendees get the survey; registered no-shows (Zoé marked absent, Jean-Marc not marked) the other message.
    assert set(by_recipient) == {
        "helene.dupre@lille.example",
        "karim.benali@mel.example",
        "zoe.lefevre@roubaix.example",
        "jm@amiens.example",
    }
    helene_mail = _body(by_recipient["helene.dupre@lille.example"])
    zoe_mail = _body(by_recipient["zoe.lefevre@roubaix.example"])
    assert str(by_recipient["helene.dupre@lille.example"]["Subject"]).strip().startswith("Votre avis")
    assert "/evenements/questionnaire/" in helene_mail and "/evenements/attestation/" in helene_mail
    assert "/evenements/questionnaire/" not in zoe_mail
    assert "Le replay est en ligne." in zoe_mail and "Support de présentation" in zoe_mail
    # Sending twice is refused.
    events_client.post(reverse("events_staff:survey_send", args=[survey.pk]))
    assert len(smtp_server.messages) == 4

    url = re.search(r"https?://\S+/evenements/questionnaire/\S+/", helene_mail).group(0)
    path = url[url.index("/evenements/") :]
    page = client.get(path)
    html = page.content.decode()
    assert page.status_code == 200 and html.count("<h1>") == 1
    assert "<legend>" in html and 'type="radio"' in html and "Vos réponses sont anonymes" in html
    # A required question left empty: the error is tied to its fieldset.
    missing = client.post(path, {})
    assert missing.status_code == 400
    q_scale = survey.questions.get(kind="echelle")
    assert f'aria-describedby="id_q{q_scale.pk}_erreur' in missing.content.decode()
    assert not SurveyResponse.objects.exists()
    done = client.post(path, _answer_data(survey))
    assert done.status_code == 200 and "Merci pour vos réponses" in done.content.decode()
    again = client.post(path, _answer_data(survey, scale="1"))
    assert again.status_code == 409 and "déjà répondu" in again.content.decode()
    assert client.get(path).status_code == 409
    response = SurveyResponse.objects.get()
    assert response.registration is None
    # Really anonymous: the stored hash cannot be recomputed from any registration's key.
    for registration in (helene, karim):
        for payload in (f"{survey.pk}:r:{registration.key}", registration.key):
            assert hashlib.sha256(payload.encode()).hexdigest() != response.token_hash
    entry = AuditEntry.objects.get(action="survey.answered")
    assert entry.actor is None and "helene" not in str(entry.details).lower()
    assert SurveyAnswer.objects.get(question=q_scale).number == 4
    # Karim answers through his own link.
    karim_mail = _body(by_recipient["karim.benali@mel.example"])
    karim_url = re.search(r"https?://\S+/evenements/questionnaire/\S+/", karim_mail).group(0)
    client.post(karim_url[karim_url.index("/evenements/") :], _answer_data(survey, scale="5", multiple=["GUSP"]))
    assert SurveyResponse.objects.count() == 2


@pytest.mark.django_db
def test_named_survey_keeps_the_registration(client):
    event = make_cycle()
    helene = enrol(event)[0]
    survey = _survey_with_questions(event, anonymous=False)
    token = surveys.survey_token(survey, helene)
    assert client.post(reverse("events:survey", args=[token]), _answer_data(survey)).status_code == 200
    assert SurveyResponse.objects.get().registration == helene
    assert client.post(reverse("events:survey", args=[token]), _answer_data(survey)).status_code == 409


@pytest.mark.django_db
def test_bad_closed_or_empty_links(client, events_client):
    event = make_cycle()
    survey = _survey_with_questions(event)
    assert client.get(reverse("events:survey", args=["nimporte-quoi"])).status_code == 400
    from django.utils import timezone

    survey.closes_at = timezone.now()
    survey.opens_at = survey.closes_at - timezone.timedelta(days=1)
    survey.save()
    closed = client.get(reverse("events:survey", args=[surveys.survey_token(survey)]))
    assert closed.status_code == 410 and "questionnaire est clos" in closed.content.decode()
    empty = Survey.objects.create(event=event, title="Vide")
    events_client.post(reverse("events_staff:survey_send", args=[empty.pk]))
    empty.refresh_from_db()
    assert empty.sent_at is None


def _respond(survey, n, **values):
    for i in range(n):
        token = surveys.survey_token(survey)
        link = surveys.read_survey_token(token)
        questions = {q.kind: q for q in survey.questions.all()}
        surveys.submit_response(
            survey=survey,
            link=link,
            answers={
                questions["echelle"]: values.get("scale", 1 + i % 5),
                questions["choix"]: values.get("single", "Visio" if i % 3 else "Salle"),
                questions["choix_multiple"]: values.get("multiple", ["GUSP", "Emploi"]),
                questions["texte"]: values.get("text", f"Remarque {i}"),
            },
        )


@pytest.mark.django_db
def test_results_page_with_charts_and_tables_and_a_stable_query_count(events_client):
    event = make_cycle()
    survey = _survey_with_questions(event)
    url = reverse("events_staff:survey_results", args=[survey.pk])
    _respond(survey, 2)
    events_client.get(url)
    with CaptureQueriesContext(connection) as few:
        events_client.get(url)
    _respond(survey, 8)
    with CaptureQueriesContext(connection) as many:
        response = events_client.get(url)
    assert len(many) == len(few)
    html = response.content.decode()
    assert "<strong>10</strong> réponses" in html
    assert html.count('src="data:image/svg+xml;base64,') == 3
    assert html.count("<caption>") == 3 and 'scope="row"' in html
    assert "moyenne 2,40 sur 5" in html  # (1 + 2) + (1 + 2 + 3 + 4 + 5 + 1 + 2 + 3) over 10
    assert "Remarque 7" in html
    _, results = surveys.survey_results(survey, charts=False)
    multiple = next(r for r in results if r.question.kind == "choix_multiple")
    assert multiple.counts == [("GUSP", 10, 100), ("TFPB", 0, 0), ("Emploi", 10, 100)]
    single = next(r for r in results if r.question.kind == "choix")
    assert single.counts == [("Visio", 6, 60), ("Salle", 4, 40)]


@pytest.mark.django_db
def test_exports_neutralise_formulas(events_client):
    from openpyxl import load_workbook

    event = make_cycle()
    survey = _survey_with_questions(event)
    _respond(survey, 1, text='=HYPERLINK("http://x.example","clic")')
    _respond(survey, 1, text="@SUM(A1)")
    response = events_client.get(reverse("events_staff:survey_export", args=[survey.pk, "csv"]))
    text = response.content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'@SUM(A1)" in text
    assert text.splitlines()[0] == "réponse;date;Satisfaction;Format;Thèmes;Remarques"
    response = events_client.get(reverse("events_staff:survey_export", args=[survey.pk, "xlsx"]))
    workbook = load_workbook(io.BytesIO(response.content))
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]
    assert not any(cell.data_type == "f" for cell in cells)
    assert '\'=HYPERLINK("http://x.example","clic")' in [c.value for c in cells]
    assert workbook.sheetnames == ["Réponses", "Synthèse"]
