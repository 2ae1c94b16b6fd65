"""Attestations de présence: one PDF per participant, alone or in bulk.

Only sessions the person attended count (a no-show gets none). The bulk run
is a background task (`tasks_documents.generate_attestations`) that writes
each PDF through Django's storage API, records its progress on an
`AttestationRun`, and ends with a ZIP of them all.
"""

import io
import zipfile

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from crpv.core.models import AuditEntry

from .attendance import summarise
from .models import AttestationRun, AttestationRunStatus, Event, Registration
from .pdf import html_to_pdf, render_html

TEMPLATE = "events/pdf/attestation.html"


class NoAttendance(Exception):
    """The person attended no session: there is nothing to attest."""


def attestation_context(person_attendance, *, event, now=None):
    registration = person_attendance.registration
    return {
        "event": event,
        "person": registration.person,
        "attendance": person_attendance,
        "sessions": person_attendance.sessions,
        "issued_on": timezone.localdate(now) if now else timezone.localdate(),
    }


def attestation_filename(registration):
    person = registration.person
    name = slugify(f"{person.last_name} {person.first_name}") or f"personne-{person.pk}"
    return f"attestation-{name}-{registration.pk}.pdf"


def attestation_html(person_attendance, *, event):
    if not person_attendance.sessions:
        raise NoAttendance
    return render_html(TEMPLATE, attestation_context(person_attendance, event=event))


def attestation_for(registration):
    """(filename, PDF bytes) of one registration's attestation, or `NoAttendance`."""
    summary = summarise(registration.event, [registration])[0]
    return attestation_filename(registration), html_to_pdf(attestation_html(summary, event=registration.event))


def attendees(event):
    """PersonAttendance of everyone who attended at least one session."""
    return [p for p in summarise(event) if p.sessions]


@transaction.atomic
def request_attestations(*, event, acting_user):
    """Start a bulk run (after commit, in the background); return the run."""
    from .tasks_documents import generate_attestations

    run = AttestationRun.objects.create(
        event=event,
        requested_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
    )
    AuditEntry.record(acting_user, "attestations.requested", event, run=run.pk)
    transaction.on_commit(lambda: generate_attestations.enqueue(run.pk))
    return run


def _run_folder(run):
    return f"events/attestations/{run.event_id}/{run.pk}-{run.created_at:%Y%m%d%H%M%S}"


def generate_run(run, *, storage=None, progress_every=1):
    """Produce the PDFs and the ZIP of `run`, saving progress as it goes."""
    storage = storage or default_storage
    event = Event.objects.get(pk=run.event_id)
    people = attendees(event)
    AttestationRun.objects.filter(pk=run.pk).update(
        status=AttestationRunStatus.RUNNING, total=len(people), done=0, updated_at=timezone.now()
    )
    folder = _run_folder(run)
    saved = []
    try:
        for n, person_attendance in enumerate(people, start=1):
            registration = person_attendance.registration
            pdf = html_to_pdf(attestation_html(person_attendance, event=event))
            name = attestation_filename(registration)
            saved.append((name, storage.save(f"{folder}/{name}", ContentFile(pdf))))
            if n % progress_every == 0 or n == len(people):
                AttestationRun.objects.filter(pk=run.pk).update(done=n, updated_at=timezone.now())
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, path in saved:
                with storage.open(path, "rb") as stored:
                    archive.writestr(name, stored.read())
        archive_path = storage.save(f"{folder}/attestations-{event.slug}.zip", ContentFile(buffer.getvalue()))
    except Exception as exc:
        AttestationRun.objects.filter(pk=run.pk).update(
            status=AttestationRunStatus.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    AttestationRun.objects.filter(pk=run.pk).update(
        status=AttestationRunStatus.DONE,
        done=len(people),
        archive=archive_path,
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )
    run.refresh_from_db()
    return run


def registration_for_attestation(key):
    return Registration.objects.select_related("event", "person").filter(key=key).first()
