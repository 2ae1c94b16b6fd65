"""Use-cases of the *espace doc* desk: consultation requests, loans and returns, reminders.

Each function takes keyword-only arguments with `acting_user`, runs in one
transaction and writes its `AuditEntry` there; e-mails leave after commit
through the Tasks API (`send_consultation_email`). When the staff set or move
an appointment, the requester gets its date, time and place, an .ics file and
a signed link, valid until the appointment, to cancel it themselves
(`cancel_by_requester`, which tells the centre). Loan reminders are sent by
`send_loan_reminders` (a periodic command) one by one, each marked as sent in
its own transaction once the SMTP server has accepted it.
"""

import datetime

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from crpv.contacts.models import Person
from crpv.core.ics import CalendarEntry, calendar_bytes, uid_domain
from crpv.core.links import site_url as _site_url
from crpv.core.models import AuditEntry

from . import formats
from .models import ConsultationRequest, Copy, CopyUse, Loan, Record, RecordUpload
from .operations import ALL_OR_NOTHING, import_records
from .search import index_records

DEFAULT_LOAN_DAYS = 21
DEFAULT_REMINDER_DAYS = 7
DEFAULT_APPOINTMENT_MINUTES = 60


class DeskError(Exception):
    """A desk operation refused, with a French message for the staff (`field`: the form field it concerns)."""

    def __init__(self, message, field="status"):
        super().__init__(message)
        self.field = field


def loan_days():
    return getattr(settings, "CRPV_LOAN_DAYS", DEFAULT_LOAN_DAYS)


def reminder_days():
    return getattr(settings, "CRPV_LOAN_REMINDER_DAYS", DEFAULT_REMINDER_DAYS)


def appointment_minutes():
    return getattr(settings, "CRPV_DESK_APPOINTMENT_MINUTES", DEFAULT_APPOINTMENT_MINUTES)


def desk_place():
    """Where consultations take place: `CRPV_DESK_PLACE`, else the centre's address."""
    return getattr(settings, "CRPV_DESK_PLACE", "") or settings.CRPV_CENTRE.get("address", "")


def _one_line(text, limit=150):
    return " ".join((text or "").split())[:limit]


# --- Consultation on appointment --------------------------------------------------------


@transaction.atomic
def request_consultation(*, record, copies, name, email, organisation_name, wished_slots, message, acting_user):
    """Record a visitor's request and send the e-mails (requester, centre) after commit."""
    consultation = ConsultationRequest.objects.create(
        record=record,
        name=name,
        email=email,
        organisation_name=organisation_name,
        wished_slots=wished_slots,
        message=message,
    )
    if copies:
        consultation.copies.set(copies)
    AuditEntry.record(acting_user, "catalogue.consultation_requested", consultation, record=record.pk)
    transaction.on_commit(lambda: send_consultation_email.enqueue(consultation.pk, "received"))
    transaction.on_commit(lambda: send_consultation_email.enqueue(consultation.pk, "notification"))
    return consultation


ALLOWED_STATUS_CHANGES = {
    ConsultationRequest.Status.NEW: {
        ConsultationRequest.Status.CONFIRMED,
        ConsultationRequest.Status.DONE,
        ConsultationRequest.Status.CANCELLED,
    },
    ConsultationRequest.Status.CONFIRMED: {ConsultationRequest.Status.DONE, ConsultationRequest.Status.CANCELLED},
    ConsultationRequest.Status.DONE: set(),
    ConsultationRequest.Status.CANCELLED: set(),
}


@transaction.atomic
def change_consultation(
    *, consultation, status, staff_note, appointment, acting_user, done_on=None, appointment_at=None
):
    """Change a request's status, appointment and note; « réalisée » records a consultation use of each copy.

    Setting the appointment (`appointment_at`, with `appointment` as details)
    confirms a new request; when it is set or moved, or a confirmed
    appointment is cancelled, the requester is told by e-mail after commit.
    The copies used are those the visitor asked for, or else every copy of the
    record still in the collection: weeding reads their last use.
    """
    consultation = ConsultationRequest.objects.select_for_update().get(pk=consultation.pk)
    previous = consultation.status
    if appointment_at is not None and status == ConsultationRequest.Status.NEW:
        status = ConsultationRequest.Status.CONFIRMED
    if status != previous and status not in ALLOWED_STATUS_CHANGES[previous]:
        raise DeskError(
            f"Une demande « {consultation.get_status_display()} » ne peut pas passer au statut "
            f"« {ConsultationRequest.Status(status).label} »."
        )
    if status == ConsultationRequest.Status.CONFIRMED and appointment_at is None:
        raise DeskError("Pour confirmer la demande, fixez la date et l'heure du rendez-vous.", field="appointment_on")
    moved = appointment_at is not None and appointment_at != consultation.appointment_at
    if moved and status == ConsultationRequest.Status.CONFIRMED and appointment_at <= timezone.now():
        raise DeskError("Ce rendez-vous serait déjà passé : choisissez une date à venir.", field="appointment_on")
    had_appointment = consultation.appointment_at is not None and previous == ConsultationRequest.Status.CONFIRMED
    consultation.status = status
    consultation.staff_note = staff_note
    consultation.appointment = appointment
    consultation.appointment_at = appointment_at
    uses = []
    if status == ConsultationRequest.Status.DONE and previous != status:
        consultation.done_on = done_on or timezone.localdate()
        copies = list(consultation.copies.all()) or list(
            consultation.record.copies.exclude(status=Copy.Status.WITHDRAWN)
        )
        uses = CopyUse.objects.bulk_create(
            CopyUse(copy=copy, kind=CopyUse.Kind.CONSULTATION, used_on=consultation.done_on) for copy in copies
        )
    consultation.save()
    AuditEntry.record(
        acting_user,
        "catalogue.consultation_changed",
        consultation,
        previous=previous,
        status=status,
        uses=len(uses),
        appointment_at=appointment_at.isoformat() if appointment_at else "",
    )
    kind = ""
    if status == ConsultationRequest.Status.CONFIRMED and moved:
        kind = "appointment_moved" if had_appointment else "appointment"
    elif status == ConsultationRequest.Status.CANCELLED and previous != status and had_appointment:
        kind = "appointment_cancelled"
    if kind:
        # The message describes the appointment as it is when the task runs: a later change sends its own.
        transaction.on_commit(lambda: send_consultation_email.enqueue(consultation.pk, kind))
    return consultation


# --- The requester cancels by signed link ---------------------------------------------------

CANCEL_SALT = "crpv.catalogue.consultation_cancel"
CANCEL_MAX_AGE = datetime.timedelta(days=400)


class CancelLinkError(Exception):
    """A cancellation link refused, with a French message for the requester."""

    def __init__(self, message, status=400):
        super().__init__(message)
        self.message = message
        self.status = status


def cancel_token(consultation):
    """A signed link to cancel this appointment: bound to its date, so moving it voids the older links."""
    return signing.dumps(
        {"c": consultation.pk, "at": consultation.appointment_at.isoformat()}, salt=CANCEL_SALT, compress=True
    )


def read_cancel_token(token, *, for_update=False):
    """The consultation a cancellation link names, still confirmed and to come; or `CancelLinkError`."""
    try:
        payload = signing.loads(token, salt=CANCEL_SALT, max_age=CANCEL_MAX_AGE)
        pk, at = int(payload["c"]), datetime.datetime.fromisoformat(payload["at"])
    except signing.SignatureExpired as exc:
        raise CancelLinkError("Ce lien a expiré : contactez l'espace documentation pour annuler.") from exc
    except (signing.BadSignature, KeyError, TypeError, ValueError) as exc:
        raise CancelLinkError("Ce lien n'est pas valide : il a peut-être été mal copié.") from exc
    found = ConsultationRequest.objects.select_related("record")
    if for_update:
        found = found.select_for_update(of=("self",))
    consultation = found.filter(pk=pk).first()
    if consultation is None:
        raise CancelLinkError("Cette demande de consultation n'existe plus.", status=404)
    if consultation.status == ConsultationRequest.Status.CANCELLED:
        raise CancelLinkError("Ce rendez-vous est déjà annulé.", status=409)
    if consultation.status != ConsultationRequest.Status.CONFIRMED or consultation.appointment_at != at:
        raise CancelLinkError(
            "Ce lien concerne un rendez-vous qui a changé depuis : utilisez le lien du dernier courriel reçu, "
            "ou contactez l'espace documentation."
        )
    if at <= timezone.now():
        raise CancelLinkError("Ce rendez-vous est passé : ce lien a expiré.")
    return consultation


@transaction.atomic
def cancel_by_requester(*, token):
    """The requester cancels their appointment: the request is cancelled and the centre told after commit."""
    consultation = read_cancel_token(token, for_update=True)
    consultation.status = ConsultationRequest.Status.CANCELLED
    consultation.cancelled_by_requester_at = timezone.now()
    consultation.save(update_fields=["status", "cancelled_by_requester_at", "updated_at"])
    AuditEntry.record(None, "catalogue.consultation_cancelled_by_requester", consultation)
    transaction.on_commit(lambda: send_consultation_email.enqueue(consultation.pk, "cancelled_by_requester"))
    return consultation


CONSULTATION_SUBJECTS = {
    "received": "Demande de consultation reçue : {title}",
    "notification": "Nouvelle demande de consultation : {title}",
    "appointment": "Rendez-vous confirmé : {title}",
    "appointment_moved": "Rendez-vous déplacé : {title}",
    "appointment_cancelled": "Rendez-vous annulé : {title}",
    "cancelled_by_requester": "Rendez-vous annulé par le demandeur : {title}",
}
# Messages to the centre; the others go to the requester.
TO_CENTRE = {"notification", "cancelled_by_requester"}
# Messages about an appointment that is still on: they carry the .ics file and the cancellation link.
WITH_APPOINTMENT = {"appointment", "appointment_moved"}


def appointment_calendar(consultation, base, *, cancelled=False):
    """The appointment as an .ics file (one VEVENT, the same UID when it moves or is cancelled)."""
    starts_at = consultation.appointment_at
    entry = CalendarEntry(
        uid=f"consultation-{consultation.pk}@{uid_domain(base)}",
        summary=f"Consultation à l'espace documentation — {settings.CRPV_CENTRE['name']}",
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(minutes=appointment_minutes()),
        location=desk_place(),
        description="\n".join(
            line
            for line in (
                _one_line(consultation.record.title, 300),
                consultation.appointment,
                base + reverse("catalogue:record", args=[consultation.record_id]),
            )
            if line
        ),
        url=base + reverse("catalogue:record", args=[consultation.record_id]),
        sequence=int(timezone.now().timestamp()),  # grows with every message about it
        cancelled=cancelled,
    )
    return calendar_bytes([entry])


def consultation_message(consultation, kind):
    """The e-mail to the requester (received, appointment…) or to the centre (notification, cancellation)."""
    base = _site_url()
    context = {
        "kind": kind,
        "consultation": consultation,
        "record": consultation.record,
        "copies": list(consultation.copies.all()),
        "centre": settings.CRPV_CENTRE,
        "place": desk_place(),
        "record_url": base + reverse("catalogue:record", args=[consultation.record_id]),
        "staff_url": base + reverse("desk:consultation", args=[consultation.pk]),
    }
    if kind in WITH_APPOINTMENT:
        context["cancel_url"] = base + reverse("catalogue:consultation_cancel", args=[cancel_token(consultation)])
    to = [settings.CRPV_CENTRE["email"]] if kind in TO_CENTRE else [consultation.email]
    message = EmailMessage(
        subject=CONSULTATION_SUBJECTS[kind].format(title=_one_line(consultation.record.title)),
        body=render_to_string("catalogue/desk/emails/consultation.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
    )
    if kind in TO_CENTRE:
        # Header values are checked by EmailMessage (no CR/LF); the address was validated by the form.
        message.reply_to = [consultation.email]
    if kind in WITH_APPOINTMENT or kind == "appointment_cancelled":
        ics = appointment_calendar(consultation, base, cancelled=kind == "appointment_cancelled")
        message.attach("rendez-vous.ics", ics, "text/calendar; charset=utf-8; method=PUBLISH")
    return message


def _still_true(consultation, kind):
    """False when the message no longer describes the request (it changed again before the task ran)."""
    if kind in WITH_APPOINTMENT:
        return consultation.status == ConsultationRequest.Status.CONFIRMED and consultation.appointment_at
    if kind == "appointment_cancelled":
        return consultation.status == ConsultationRequest.Status.CANCELLED and consultation.appointment_at
    return True


@task()
def send_consultation_email(consultation_id: int, kind: str):
    consultation = ConsultationRequest.objects.select_related("record").filter(pk=consultation_id).first()
    if consultation is None or not _still_true(consultation, kind):
        return 0
    return consultation_message(consultation, kind).send()


# --- Loans -------------------------------------------------------------------------------


def _person_for(email):
    """The Base Acteurs record with this address, when there is exactly one."""
    if not email:
        return None
    people = list(Person.objects.active().with_email(email)[:2])
    return people[0] if len(people) == 1 else None


@transaction.atomic
def lend_copy(
    *, copy, borrower_name, borrower_email, borrower_organisation, due_on, acting_user, lent_on=None, note=""
):
    """Lend an available copy: its status becomes « prêté ». The borrower is linked to the Base Acteurs by e-mail."""
    copy = Copy.objects.select_for_update().select_related("record").get(pk=copy.pk)
    if copy.status != Copy.Status.AVAILABLE:
        raise DeskError(f"L'exemplaire {copy} n'est pas disponible (statut : {copy.get_status_display()}).")
    lent_on = lent_on or timezone.localdate()
    if due_on < lent_on:
        raise DeskError("La date de retour prévue précède la date du prêt.")
    try:
        with transaction.atomic():
            loan = Loan.objects.create(
                copy=copy,
                person=_person_for(borrower_email),
                borrower_name=borrower_name,
                borrower_email=borrower_email,
                borrower_organisation=borrower_organisation,
                lent_on=lent_on,
                due_on=due_on,
                lent_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
                note=note,
            )
    except IntegrityError:
        raise DeskError(f"L'exemplaire {copy} est déjà prêté.") from None
    copy.status = Copy.Status.ON_LOAN
    copy.save(update_fields=["status"])
    AuditEntry.record(acting_user, "catalogue.loan_created", loan, copy=copy.pk, due_on=due_on.isoformat())
    return loan


@transaction.atomic
def return_loan(*, loan, acting_user, returned_on=None):
    """Close a loan: the copy is available again and the loan counts as a use for weeding."""
    loan = Loan.objects.select_for_update().get(pk=loan.pk)
    if loan.returned_on is not None:
        raise DeskError("Ce prêt est déjà clos.")
    loan.returned_on = max(returned_on or timezone.localdate(), loan.lent_on)
    loan.save(update_fields=["returned_on"])
    copy = Copy.objects.select_for_update().get(pk=loan.copy_id)
    if copy.status == Copy.Status.ON_LOAN:
        copy.status = Copy.Status.AVAILABLE
        copy.save(update_fields=["status"])
    CopyUse.objects.create(copy=copy, kind=CopyUse.Kind.LOAN, used_on=loan.lent_on)
    AuditEntry.record(acting_user, "catalogue.loan_returned", loan, returned_on=loan.returned_on.isoformat())
    return loan


def reminder_message(loan, today):
    context = {
        "loan": loan,
        "record": loan.copy.record,
        "days_late": (today - loan.due_on).days,
        "centre": settings.CRPV_CENTRE,
    }
    return EmailMessage(
        subject=f"Rappel : document à rendre — {_one_line(loan.copy.record.title)}",
        body=render_to_string("catalogue/desk/emails/loan_reminder.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[loan.borrower_email],
    )


def send_loan_reminders(*, acting_user, today=None, every_days=None, dry_run=True):
    """Remind the borrowers of overdue loans, at most once every `every_days` days.

    Dry by default: returns the loans that would be reminded. When sending,
    each loan is marked in its own transaction after the SMTP server accepted
    the message, so a failure leaves it for the next run.
    """
    today = today or timezone.localdate()
    every_days = reminder_days() if every_days is None else every_days
    loans = list(
        Loan.objects.due_for_reminder(today=today, every_days=every_days)
        .select_related("copy__record")
        .order_by("due_on", "pk")
    )
    if dry_run:
        return loans
    sent = []
    for loan in loans:
        reminder_message(loan, today).send()
        with transaction.atomic():
            loan = Loan.objects.select_for_update().get(pk=loan.pk)
            loan.reminders_sent += 1
            loan.last_reminder_at = timezone.now()
            loan.save(update_fields=["reminders_sent", "last_reminder_at"])
            AuditEntry.record(acting_user, "catalogue.loan_reminded", loan, reminders_sent=loan.reminders_sent)
        sent.append(loan)
    return sent


def default_due_on(today=None):
    return (today or timezone.localdate()) + datetime.timedelta(days=loan_days())


# --- Web import of records ---------------------------------------------------------------


def detect_format(head, filename=""):
    """Guess the format from the first bytes (and the file name): a key of `formats.IMPORT_FORMATS` or ""."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    name = (filename or "").lower()
    if text.startswith(b"<"):
        return "marcxml"
    if text[:2] == b"TY" and text[2:6].startswith(b"  -"):
        return "ris"
    if text.startswith((b"@", b"%")) or name.endswith(".bib"):
        return "bibtex"
    if len(text) >= 24 and text[:5].isdigit() and text[20:22] == b"45":
        # ISO 2709: the directory names the fields; 200 is UNIMARC's title, 245 MARC 21's.
        base = int(text[12:17]) if text[12:17].isdigit() else 0
        directory = text[24 : max(base - 1, 24)]
        tags = {directory[i : i + 3] for i in range(0, len(directory), 12)}
        if b"245" in tags:
            return "marc21"
        if b"200" in tags:
            return "unimarc"
        return "marc21" if text[23:24] == b"0" else "unimarc"
    if name.endswith(".ris"):
        return "ris"
    if name.endswith((".csv", ".txt")) or b";" in text.split(b"\n", 1)[0] or b"," in text.split(b"\n", 1)[0]:
        return "csv"
    return ""


@transaction.atomic
def store_record_upload(*, upload, file_format, acting_user):
    """Keep an uploaded file in Django's storage under a random name, for its preview and import."""
    record_upload = RecordUpload(
        original_name=(upload.name or "")[:255],
        file_format=file_format,
        created_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
    )
    record_upload.file.save("notices.dat", upload, save=False)
    record_upload.save()
    AuditEntry.record(
        acting_user, "catalogue.upload_stored", record_upload, filename=record_upload.original_name, format=file_format
    )
    return record_upload


def parse_upload(record_upload):
    """The parsed file (bounded by the upload limit checked when it was stored)."""
    with record_upload.file.open("rb") as stream:
        data = stream.read()
    return formats.parse(data, record_upload.file_format)


def preview_upload(record_upload):
    """The dry-run report of the file: what importing it would do, nothing written."""
    return import_records(
        parsed=parse_upload(record_upload),
        acting_user=None,
        mode=ALL_OR_NOTHING,
        dry_run=True,
        filename=record_upload.original_name,
    )


def import_upload(*, record_upload, mode, acting_user):
    """Import the stored file once (synchronously), then bring the search index up to date."""
    with transaction.atomic():
        record_upload = RecordUpload.objects.select_for_update().get(pk=record_upload.pk)
        if record_upload.batch_id is not None:
            raise DeskError("Ce fichier a déjà été importé.")
        report = import_records(
            parsed=parse_upload(record_upload),
            acting_user=acting_user,
            mode=mode,
            dry_run=False,
            filename=record_upload.original_name,
        )
        if report.written:
            record_upload.batch_id = report.batch_id
            record_upload.save(update_fields=["batch"])
    if report.written:
        index_records(Record.objects.filter(import_batch_id=report.batch_id).values_list("pk", flat=True))
    return report
