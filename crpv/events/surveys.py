"""Satisfaction surveys: building, sending, answering, results, exports.

Sending (`send_survey`) e-mails everyone who attended at least one session a
personal signed link, and the registered no-shows a different message with
the event's documents and replay; `remind_survey` mails the link again to
those who have not answered. Each message is a `SurveyDelivery` row (sent or
failed, with the server's answer). Links of an anonymous survey carry a random
nonce that is stored nowhere: the response keeps only the SHA-256 of the
link's payload (to refuse a second answer), never the person; the person's
delivery only notes that they answered.
"""

import base64
import hashlib
import io
import logging
import re
import secrets
import smtplib
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from crpv.core.exports import Sheet
from crpv.core.links import site_url
from crpv.core.models import AuditEntry

from .attendance import summarise
from .models import (
    EventDocument,
    Survey,
    SurveyAnswer,
    SurveyDelivery,
    SurveyQuestion,
    SurveyQuestionKind,
    SurveyResponse,
)
from .tokens import BadToken, make_token, read_token

logger = logging.getLogger(__name__)


class SurveyError(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


class AlreadyAnswered(SurveyError):
    pass


ALREADY = "Vous avez déjà répondu à ce questionnaire avec ce lien. Merci !"

# --- builder ----------------------------------------------------------------

SURVEY_FIELDS = ("title", "intro", "anonymous", "opens_at", "closes_at", "no_show_message")


@transaction.atomic
def create_survey(*, event, fields, acting_user):
    survey = Survey.objects.create(event=event, **{k: fields[k] for k in SURVEY_FIELDS if k in fields})
    AuditEntry.record(acting_user, "survey.created", survey, event=event.pk)
    return survey


@transaction.atomic
def update_survey(*, survey, acting_user):
    """Save the survey's settings; anonymity is fixed once it is sent."""
    if survey.sent_at:
        stored = Survey.objects.get(pk=survey.pk)
        survey.anonymous = stored.anonymous
    survey.save()
    AuditEntry.record(acting_user, "survey.changed", survey)
    return survey


@transaction.atomic
def add_question(*, survey, acting_user, kind, label, choices=(), required=False, help_text=""):
    top = survey.questions.aggregate(top=Max("position"))["top"] or 0
    question = SurveyQuestion.objects.create(
        survey=survey,
        position=top + 1,
        kind=kind,
        label=label,
        choices=list(choices),
        required=required,
        help_text=help_text,
    )
    AuditEntry.record(acting_user, "survey.question_added", question, survey=survey.pk)
    return question


@transaction.atomic
def move_question(*, question, acting_user, offset):
    """Move a question up (offset -1) or down (+1), renumbering 1..n."""
    questions = list(SurveyQuestion.objects.select_for_update().filter(survey_id=question.survey_id))
    index = next(i for i, q in enumerate(questions) if q.pk == question.pk)
    target = max(0, min(len(questions) - 1, index + offset))
    questions.insert(target, questions.pop(index))
    for position, q in enumerate(questions, start=1):
        q.position = position
    SurveyQuestion.objects.bulk_update(questions, ["position"])
    AuditEntry.record(acting_user, "survey.question_moved", question, offset=offset)


@transaction.atomic
def delete_question(*, question, acting_user):
    AuditEntry.record(acting_user, "survey.question_deleted", question, survey=question.survey_id)
    question.delete()


# --- links ------------------------------------------------------------------


def _payload(survey, *, registration=None, nonce=None, delivery_id=None):
    if survey.anonymous:
        payload = f"{survey.pk}:a:{nonce or secrets.token_urlsafe(24)}"
        # The delivery's id lets the answer be noted on it (that the person answered, not what).
        return f"{payload}:{delivery_id}" if delivery_id else payload
    return f"{survey.pk}:r:{registration.key}"


def survey_token(survey, registration=None, *, delivery_id=None):
    return make_token("survey", _payload(survey, registration=registration, delivery_id=delivery_id))


@dataclass
class SurveyLink:
    survey_id: int
    registration_key: str
    token_hash: str
    delivery_id: int | None = None


def read_survey_token(token):
    """The survey, person key (named surveys), delivery (anonymous ones) and hash a link carries, or `BadToken`."""
    payload = read_token("survey", token)
    parts = payload.split(":", 2)
    if len(parts) != 3 or not parts[0].isdigit() or parts[1] not in ("a", "r"):
        raise BadToken("Ce lien n'est pas valide : il a peut-être été mal copié.")
    delivery_id = None
    if parts[1] == "a" and ":" in parts[2]:
        _, _, delivery = parts[2].rpartition(":")
        if not delivery.isdigit():
            raise BadToken("Ce lien n'est pas valide : il a peut-être été mal copié.")
        delivery_id = int(delivery)
    return SurveyLink(
        survey_id=int(parts[0]),
        registration_key=parts[2] if parts[1] == "r" else "",
        token_hash=hashlib.sha256(payload.encode()).hexdigest(),
        delivery_id=delivery_id,
    )


# --- sending ----------------------------------------------------------------
#
# The send and reminder actions write one SurveyDelivery per recipient in
# their transaction and enqueue one task for those rows; the task sends them
# one by one and records each outcome (sent, or failed with the server's
# answer), so one refused address does not stop the others.

NO_ADDRESS = "Pas d'adresse électronique dans la fiche de la personne."


def audience(survey):
    """(attended, no-shows): PersonAttendance lists of the event's confirmed registrations."""
    people = summarise(survey.event)
    return [p for p in people if p.sessions], [p for p in people if not p.sessions]


@dataclass
class Sending:
    """What a send or reminder action queued."""

    questionnaires: int = 0
    follow_ups: int = 0
    reminders: int = 0
    no_address: int = 0


def _enqueue_deliveries(survey, delivery_ids):
    from .operations import _enqueue_after_commit
    from .tasks_documents import send_survey_emails

    if delivery_ids:
        _enqueue_after_commit(send_survey_emails, survey.pk, sorted(delivery_ids))


def _locked(survey):
    return Survey.objects.select_for_update().select_related("event").get(pk=survey.pk)


@transaction.atomic
def send_survey(*, survey, acting_user):
    """Send the survey to those who attended and the other message to no-shows.

    One delivery per person (the first message, `round` 0): sending again
    mails only those not mailed yet (attendance noted since) and those whose
    message failed. The e-mails leave through a background task after commit.
    """
    survey = _locked(survey)
    if not survey.questions.exists():
        raise SurveyError("Le questionnaire n'a aucune question : ajoutez-en avant de l'envoyer.")
    attended, no_shows = audience(survey)
    if not attended and not no_shows:
        raise SurveyError("Aucune présence n'est notée pour cet événement : notez les présences avant l'envoi.")
    known = {d.registration_id: d for d in SurveyDelivery.objects.filter(survey=survey, round=0)}
    if survey.sent_at and not known:
        # Sent before deliveries were recorded: who received it is unknown, so nobody is mailed again.
        raise SurveyError("Ce questionnaire a été envoyé avant le suivi des envois : il ne peut pas être renvoyé.")
    result = Sending()
    queued, created, retried = [], [], []
    for people, kind in ((attended, SurveyDelivery.Kind.QUESTIONNAIRE), (no_shows, SurveyDelivery.Kind.FOLLOW_UP)):
        for person_attendance in people:
            registration = person_attendance.registration
            has_address = bool(registration.person.email)
            delivery = known.get(registration.pk)
            if delivery is not None:
                if delivery.status != SurveyDelivery.Status.FAILED or not has_address:
                    continue
                delivery.kind, delivery.status, delivery.error = kind, SurveyDelivery.Status.QUEUED, ""
                delivery.queued_at, delivery.sent_at = timezone.now(), None
                retried.append(delivery)
            else:
                delivery = SurveyDelivery(survey=survey, registration=registration, round=0, kind=kind)
                if not has_address:
                    delivery.status, delivery.error = SurveyDelivery.Status.FAILED, NO_ADDRESS
                    result.no_address += 1
                created.append(delivery)
            if delivery.status == SurveyDelivery.Status.QUEUED:
                queued.append(delivery)
                if kind == SurveyDelivery.Kind.QUESTIONNAIRE:
                    result.questionnaires += 1
                else:
                    result.follow_ups += 1
    if not created and not retried:
        raise SurveyError(
            "Toutes les personnes inscrites ont déjà reçu leur message : personne de nouveau à qui l'envoyer."
        )
    SurveyDelivery.objects.bulk_create(created)
    SurveyDelivery.objects.bulk_update(retried, ["kind", "status", "error", "queued_at", "sent_at"])
    if not survey.sent_at:
        survey.sent_at = timezone.now()
        survey.save(update_fields=["sent_at", "updated_at"])
    AuditEntry.record(
        acting_user,
        "survey.sent",
        survey,
        attendees=result.questionnaires,
        no_shows=result.follow_ups,
        no_address=result.no_address,
        retried=len(retried),
    )
    _enqueue_deliveries(survey, [d.pk for d in queued])
    return result


@transaction.atomic
def remind_survey(*, survey, acting_user):
    """Send the questionnaire again to the people it reached who have not answered (a new round)."""
    survey = _locked(survey)
    if not survey.sent_at:
        raise SurveyError("Le questionnaire n'est pas encore envoyé : envoyez-le avant de relancer.")
    closed = survey.closed_reason()
    if closed:
        raise SurveyError(f"{closed} Une relance ne servirait à rien.")
    deliveries = SurveyDelivery.objects.filter(survey=survey)
    if deliveries.filter(status=SurveyDelivery.Status.QUEUED).exists():
        raise SurveyError("Un envoi est en cours : attendez qu'il se termine avant de relancer.")
    answered = set(deliveries.filter(answered=True).values_list("registration_id", flat=True))
    reached = (
        deliveries.filter(
            status=SurveyDelivery.Status.SENT,
            kind__in=[SurveyDelivery.Kind.QUESTIONNAIRE, SurveyDelivery.Kind.REMINDER],
        )
        .exclude(registration_id__in=answered)
        .exclude(registration__person__email="")
        .values_list("registration_id", flat=True)
        .distinct()
    )
    targets = sorted(set(reached))
    if not targets:
        raise SurveyError("Personne à relancer : toutes les personnes qui ont reçu le questionnaire ont répondu.")
    round_ = (deliveries.aggregate(top=Max("round"))["top"] or 0) + 1
    created = SurveyDelivery.objects.bulk_create(
        SurveyDelivery(survey=survey, registration_id=pk, round=round_, kind=SurveyDelivery.Kind.REMINDER)
        for pk in targets
    )
    AuditEntry.record(acting_user, "survey.reminded", survey, round=round_, reminders=len(created))
    _enqueue_deliveries(survey, [d.pk for d in created])
    return Sending(reminders=len(created))


def _subject(text, event):
    return f"{text} : {' '.join(event.title.split())[:150]}"


def _documents(event, base):
    documents = []
    for document in EventDocument.objects.filter(event=event, public=True).select_related("record").order_by("title"):
        href = document.href
        if href:
            documents.append((document.title, href if document.url and not document.file else base + href))
    return documents


def delivery_message(delivery, *, common, documents):
    """The e-mail of one delivery (its person has an address)."""
    survey, event = delivery.survey, delivery.survey.event
    registration = delivery.registration
    person = registration.person
    base = common["site_url"]
    if delivery.kind == SurveyDelivery.Kind.FOLLOW_UP:
        body = render_to_string(
            "events/surveys/email_no_show.txt", {**common, "person": person, "documents": documents}
        )
        subject = _subject("Documents et replay", event)
    else:
        token = survey_token(survey, registration, delivery_id=delivery.pk)
        url = base + reverse("events:survey", args=[token])
        attestation_url = base + reverse("events:attestation", args=[make_token("attestation", registration.key)])
        reminder = delivery.kind == SurveyDelivery.Kind.REMINDER
        body = render_to_string(
            "events/surveys/email_attendee.txt",
            {**common, "person": person, "survey_url": url, "attestation_url": attestation_url, "reminder": reminder},
        )
        subject = _subject("Rappel : votre avis" if reminder else "Votre avis", event)
    return EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [person.email])


def smtp_error_text(error, address=""):
    """The server's answer to a refused message, in one line (kept on the delivery).

    The recipient's address is left out: the row outlives an erasure of the
    person (the screen shows the person's current address beside it).
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        parts = []
        for code, message in error.recipients.values():
            text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
            parts.append(f"{code} {text}")
        text = " ; ".join(parts)
    elif isinstance(error, smtplib.SMTPResponseException):
        message = error.smtp_error
        text = message.decode("utf-8", "replace") if isinstance(message, bytes) else str(message)
        text = f"{error.smtp_code} {text}"
    else:
        text = f"{type(error).__name__} : {error}"
    if address:
        text = re.sub(re.escape(address), "(adresse)", text, flags=re.IGNORECASE)
    return " ".join(text.split())[:1000]


def deliver_survey(survey, delivery_ids):
    """Send the queued deliveries among `delivery_ids` one by one, recording each outcome (called by the task).

    Each row is marked sent or failed as soon as the server answered, so a
    task run again (after a crash) sends only what is still queued. Returns
    the number of messages sent.
    """
    event = survey.event
    base = site_url()
    deliveries = list(
        SurveyDelivery.objects.filter(survey=survey, pk__in=delivery_ids, status=SurveyDelivery.Status.QUEUED)
        .select_related("registration__person")
        .order_by("pk")
    )
    if not deliveries:
        return 0
    common = {
        "survey": survey,
        "event": event,
        "centre": settings.CRPV_CENTRE,
        "event_url": base + event.get_absolute_url(),
        "site_url": base,
    }
    documents = _documents(event, base)
    connection = get_connection()
    sent = 0
    try:
        for delivery in deliveries:
            delivery.survey = survey
            error = ""
            if not delivery.registration.person.email:
                error = NO_ADDRESS
            else:
                try:
                    message = delivery_message(delivery, common=common, documents=documents)
                    connection.open()  # once: the same connection for every message while it holds
                    if not connection.send_messages([message]):
                        error = "Le message n'a pas été accepté."
                except (smtplib.SMTPException, OSError, ValueError) as exc:
                    logger.warning("survey %s, delivery %s: %s", survey.pk, delivery.pk, exc)
                    error = smtp_error_text(exc, delivery.registration.person.email)
                    if not isinstance(exc, smtplib.SMTPRecipientsRefused | ValueError):
                        connection.close()  # a broken connection: the next message opens a new one
            if error:
                SurveyDelivery.objects.filter(pk=delivery.pk).update(status=SurveyDelivery.Status.FAILED, error=error)
            else:
                sent += 1
                SurveyDelivery.objects.filter(pk=delivery.pk).update(
                    status=SurveyDelivery.Status.SENT, sent_at=timezone.now(), error=""
                )
    finally:
        connection.close()
    return sent


def delivery_rows(survey):
    """The survey's deliveries for the staff screen, people first (1 query)."""
    return (
        SurveyDelivery.objects.filter(survey=survey)
        .select_related("registration__person")
        .order_by("registration__person__last_name", "registration__person__first_name", "registration_id", "round")
    )


# --- answering --------------------------------------------------------------


def _deliveries_of(survey, link, registration):
    """The deliveries of the person a link was sent to (all rounds), or none for a link sent by no delivery."""
    if link.delivery_id:
        person = SurveyDelivery.objects.filter(pk=link.delivery_id, survey=survey).values("registration_id")
        return SurveyDelivery.objects.filter(survey=survey, registration_id__in=person)
    if registration is not None:
        return SurveyDelivery.objects.filter(survey=survey, registration=registration)
    return SurveyDelivery.objects.none()


def already_answered(survey, link, registration=None):
    """True when this link was used, or its person answered through another of their links."""
    if SurveyResponse.objects.filter(survey=survey, token_hash=link.token_hash).exists():
        return True
    return link.delivery_id is not None and _deliveries_of(survey, link, registration).filter(answered=True).exists()


@transaction.atomic
def submit_response(*, survey, link, answers, registration=None):
    """Record one response; `answers` maps each question to its cleaned value.

    The person's deliveries are marked answered (for the reminders), and
    locked first: two links of one person (the first message and a reminder)
    give one answer.
    """
    deliveries = _deliveries_of(survey, link, registration)
    locked = list(deliveries.select_for_update().values_list("answered", flat=True))
    if link.delivery_id is not None and any(locked):
        raise AlreadyAnswered(ALREADY)
    if SurveyResponse.objects.filter(survey=survey, token_hash=link.token_hash).exists():
        raise AlreadyAnswered(ALREADY)
    try:
        with transaction.atomic():
            response = SurveyResponse.objects.create(
                survey=survey,
                registration=None if survey.anonymous else registration,
                token_hash=link.token_hash,
            )
    except IntegrityError as exc:
        raise AlreadyAnswered(ALREADY) from exc
    rows = []
    for question, value in answers.items():
        if value in (None, "", []):
            continue
        answer = SurveyAnswer(response=response, question=question)
        if question.kind == SurveyQuestionKind.SCALE:
            answer.number = int(value)
        elif question.kind == SurveyQuestionKind.SINGLE:
            answer.selected = [value]
        elif question.kind == SurveyQuestionKind.MULTIPLE:
            answer.selected = list(value)
        else:
            answer.text = value
        rows.append(answer)
    SurveyAnswer.objects.bulk_create(rows)
    if locked:
        deliveries.update(answered=True)
    # No actor and no person in the audit entry of an anonymous survey.
    AuditEntry.record(None, "survey.answered", survey, response=response.pk)
    return response


# --- results ----------------------------------------------------------------


@dataclass
class QuestionResult:
    question: SurveyQuestion
    answered: int = 0
    counts: list = field(default_factory=list)  # (label, count, percent)
    mean: float | None = None
    texts: list = field(default_factory=list)
    chart: str = ""  # SVG data URI

    @property
    def is_text(self):
        return self.question.kind == SurveyQuestionKind.TEXT


def survey_results(survey, *, charts=True):
    """Counts per choice, scale means and distributions, free texts (3 queries)."""
    questions = list(survey.questions.all())
    responses = SurveyResponse.objects.filter(survey=survey).count()
    answers = (
        SurveyAnswer.objects.filter(response__survey=survey)
        .values_list("question_id", "number", "selected", "text")
        .order_by("response_id", "pk")
    )
    by_question = {q.pk: [] for q in questions}
    for question_id, number, selected, text in answers:
        by_question[question_id].append((number, selected, text))
    results = []
    for question in questions:
        rows = by_question[question.pk]
        result = QuestionResult(question, answered=len(rows))
        if question.kind == SurveyQuestionKind.SCALE:
            numbers = [n for n, _, _ in rows if n is not None]
            tally = Counter(numbers)
            result.counts = [
                (f"{v} — {label}" if label != str(v) else str(v), tally[v], _pct(tally[v], len(numbers)))
                for v, label in question.scale_points
            ]
            result.mean = sum(numbers) / len(numbers) if numbers else None
        elif question.kind in (SurveyQuestionKind.SINGLE, SurveyQuestionKind.MULTIPLE):
            tally = Counter(choice for _, selected, _ in rows for choice in selected or [])
            labels = [str(c) for c in question.choices or []]
            labels += sorted(set(tally) - set(labels))
            result.counts = [(label, tally[label], _pct(tally[label], len(rows))) for label in labels]
        else:
            result.texts = [t for _, _, t in rows if t]
        if charts and result.counts:
            result.chart = _chart(question.label, result.counts)
        results.append(result)
    return responses, results


def _pct(n, total):
    return round(100 * n / total) if total else 0


def _chart(title, counts):
    """A horizontal bar chart as an SVG data URI (alt text and table go with it)."""
    primary = settings.CRPV_CENTRE.get("primary_color") or "#00565f"
    labels = [label if len(label) <= 40 else label[:39] + "…" for label, _, _ in counts]
    values = [n for _, n, _ in counts]
    matplotlib, Figure = _matplotlib()
    with matplotlib.rc_context({"svg.hashsalt": "crpv", "font.family": "DejaVu Sans"}):
        figure = Figure(figsize=(6.5, 0.6 + 0.32 * max(1, len(counts))))
        ax = figure.subplots()
        positions = list(range(len(counts)))
        ax.barh(positions, values, color=primary)
        ax.set_yticks(positions, labels)
        ax.invert_yaxis()
        ax.spines[["top", "right"]].set_visible(False)
        ax.tick_params(labelsize=8)
        ax.xaxis.get_major_locator().set_params(integer=True)
        for y, value in zip(positions, values, strict=True):
            ax.text(value, y, f" {value}", va="center", fontsize=8)
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue().encode()).decode("ascii")


def export_sheets(survey):
    """One row per response, one column per question; then the aggregates."""
    questions = list(survey.questions.all())
    responses = list(
        SurveyResponse.objects.filter(survey=survey)
        .select_related("registration__person")
        .prefetch_related("answers")
        .order_by("pk")
    )
    headers = ["réponse", "date"]
    if not survey.anonymous:
        headers.append("personne")
    headers += [q.label for q in questions]
    rows = []
    for n, response in enumerate(responses, start=1):
        by_question = {a.question_id: a for a in response.answers.all()}
        row = [n, response.submitted_on]
        if not survey.anonymous:
            row.append(response.registration.person.full_name if response.registration else "")
        for question in questions:
            answer = by_question.get(question.pk)
            if answer is None:
                row.append("")
            elif question.kind == SurveyQuestionKind.SCALE:
                row.append(answer.number)
            elif question.kind == SurveyQuestionKind.TEXT:
                row.append(answer.text)
            else:
                row.append(" ; ".join(answer.selected))
        rows.append(row)
    _, results = survey_results(survey, charts=False)
    totals = []
    for result in results:
        for label, count, percent in result.counts:
            totals.append([result.question.label, label, count, percent])
        if result.mean is not None:
            totals.append([result.question.label, "moyenne", round(result.mean, 2), ""])
    return (
        headers,
        rows,
        [
            Sheet("Réponses", headers, rows),
            Sheet("Synthèse", ["question", "réponse", "nombre", "pourcentage"], totals),
        ],
    )


def _matplotlib():
    """matplotlib, imported when a chart is drawn (half a second at import: not at start-up)."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    return matplotlib, Figure
