"""Satisfaction surveys: building, sending, answering, results, exports.

Sending (`send_survey`) e-mails everyone who attended at least one session a
personal signed link, and the registered no-shows a different message with
the event's documents and replay. Links of an anonymous survey carry a random
nonce that is stored nowhere: the response keeps only the SHA-256 of the
link's payload (to refuse a second answer), never the person.
"""

import base64
import hashlib
import io
import secrets
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
    SurveyQuestion,
    SurveyQuestionKind,
    SurveyResponse,
)
from .tokens import BadToken, make_token, read_token


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


def _payload(survey, *, registration=None, nonce=None):
    if survey.anonymous:
        return f"{survey.pk}:a:{nonce or secrets.token_urlsafe(24)}"
    return f"{survey.pk}:r:{registration.key}"


def survey_token(survey, registration=None):
    return make_token("survey", _payload(survey, registration=registration))


@dataclass
class SurveyLink:
    survey_id: int
    registration_key: str
    token_hash: str


def read_survey_token(token):
    """The survey, person key (named surveys) and hash a link carries, or `BadToken`."""
    payload = read_token("survey", token)
    parts = payload.split(":", 2)
    if len(parts) != 3 or not parts[0].isdigit() or parts[1] not in ("a", "r"):
        raise BadToken("Ce lien n'est pas valide : il a peut-être été mal copié.")
    return SurveyLink(
        survey_id=int(parts[0]),
        registration_key=parts[2] if parts[1] == "r" else "",
        token_hash=hashlib.sha256(payload.encode()).hexdigest(),
    )


# --- sending ----------------------------------------------------------------


def audience(survey):
    """(attended, no-shows): PersonAttendance lists of the event's confirmed registrations."""
    people = summarise(survey.event)
    return [p for p in people if p.sessions], [p for p in people if not p.sessions]


@transaction.atomic
def send_survey(*, survey, acting_user):
    """Send the survey to those who attended and the other message to no-shows.

    The e-mails go through a background task after commit. Returns the
    numbers of (attendees, no-shows) at the time of the call.
    """
    from .tasks_documents import send_survey_emails

    if not survey.questions.exists():
        raise SurveyError("Le questionnaire n'a aucune question : ajoutez-en avant de l'envoyer.")
    if survey.sent_at:
        raise SurveyError("Ce questionnaire a déjà été envoyé.")
    attended, no_shows = audience(survey)
    if not attended and not no_shows:
        raise SurveyError("Aucune présence n'est notée pour cet événement : notez les présences avant l'envoi.")
    survey.sent_at = timezone.now()
    survey.save(update_fields=["sent_at", "updated_at"])
    AuditEntry.record(acting_user, "survey.sent", survey, attendees=len(attended), no_shows=len(no_shows))
    transaction.on_commit(lambda: send_survey_emails.enqueue(survey.pk))
    return len(attended), len(no_shows)


def _subject(text, event):
    return f"{text} : {' '.join(event.title.split())[:150]}"


def deliver_survey(survey):
    """Build and send every message of a sent survey (called by the task)."""
    event = survey.event
    base = site_url()
    attended, no_shows = audience(survey)
    documents = []
    for document in EventDocument.objects.filter(event=event, public=True).select_related("record").order_by("title"):
        href = document.href
        if href:
            documents.append((document.title, href if document.url and not document.file else base + href))
    common = {
        "survey": survey,
        "event": event,
        "centre": settings.CRPV_CENTRE,
        "event_url": base + event.get_absolute_url(),
    }
    messages = []
    for person_attendance in attended:
        person = person_attendance.registration.person
        if not person.email:
            continue
        registration = person_attendance.registration
        url = base + reverse("events:survey", args=[survey_token(survey, registration)])
        attestation_url = base + reverse("events:attestation", args=[make_token("attestation", registration.key)])
        body = render_to_string(
            "events/surveys/email_attendee.txt",
            {**common, "person": person, "survey_url": url, "attestation_url": attestation_url},
        )
        messages.append(EmailMessage(_subject("Votre avis", event), body, settings.DEFAULT_FROM_EMAIL, [person.email]))
    for person_attendance in no_shows:
        person = person_attendance.registration.person
        if not person.email:
            continue
        body = render_to_string(
            "events/surveys/email_no_show.txt", {**common, "person": person, "documents": documents}
        )
        messages.append(
            EmailMessage(_subject("Documents et replay", event), body, settings.DEFAULT_FROM_EMAIL, [person.email])
        )
    if not messages:
        return 0
    with get_connection() as connection:
        return connection.send_messages(messages)


# --- answering --------------------------------------------------------------


def already_answered(survey, link):
    return SurveyResponse.objects.filter(survey=survey, token_hash=link.token_hash).exists()


@transaction.atomic
def submit_response(*, survey, link, answers, registration=None):
    """Record one response; `answers` maps each question to its cleaned value."""
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
