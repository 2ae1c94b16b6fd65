"""Use-cases of the base Acteurs that write several rows (see DESIGN.md)."""

from django.db import transaction
from django.utils import timezone

from crpv.core.imports import ALL_OR_NOTHING, run_import
from crpv.core.models import AuditEntry

from .importing import COLUMNS, Lookups, clean_row, make_batch_processor
from .models import ConsentEvent, Organisation, SuppressionEntry
from .validators import email_fingerprint


def import_contacts(
    *,
    source,
    acting_user,
    filename="",
    mode=ALL_OR_NOTHING,
    dry_run=False,
    existing="update",
    mapping=None,
    progress=None,
    batch_size=2000,
):
    """Import a CSV/XLSX of contacts; return the `ImportReport`.

    `existing` says what to do with a person already in the base (same
    e-mail, or same name in the same structure): "update" (fill in what the
    file brings) or "skip". Nothing is written when the file is refused, when
    any row is invalid in ALL_OR_NOTHING mode, or with `dry_run`.
    """
    name = filename or str(getattr(source, "name", "") or "")
    with transaction.atomic():
        lookups = Lookups.load(existing=existing, source=f"import « {name} » du {timezone.localdate():%d/%m/%Y}")
        report = run_import(
            source,
            columns=COLUMNS,
            validate_row=clean_row,
            process_batch=make_batch_processor(lookups),
            mapping=mapping,
            mode=mode,
            dry_run=dry_run,
            batch_size=batch_size,
            progress=progress,
            filename=name,
        )
        report.merge_candidates = lookups.merge_candidates
        if report.written:
            AuditEntry.record(
                acting_user,
                "contacts.imported",
                None,
                filename=name,
                mode=mode,
                rows=report.rows_read,
                errors=len(report.errors),
                counts=report.counts,
            )
    return report


@transaction.atomic
def create_organisation(*, acting_user, **fields):
    """Create a structure and attach the territories its identifiers designate."""
    organisation = Organisation(**fields)
    organisation.full_clean()
    organisation.save()
    organisation.link_territories()
    AuditEntry.record(acting_user, "contacts.organisation_created", organisation)
    return organisation


@transaction.atomic
def record_consent(*, person, kind, channel, acting_user, purpose="", text_version=""):
    event = ConsentEvent.objects.create(
        person=person,
        kind=kind,
        channel=channel,
        purpose=purpose,
        text_version=text_version,
        actor=acting_user if getattr(acting_user, "is_authenticated", False) else None,
    )
    AuditEntry.record(acting_user, "contacts.consent_recorded", person, kind=kind, channel=channel)
    return event


@transaction.atomic
def add_to_suppression_list(*, email, reason, acting_user):
    """Keep `email` out of every future import (only its sha256 is stored)."""
    entry, _ = SuppressionEntry.objects.get_or_create(
        email_sha256=email_fingerprint(email), defaults={"reason": reason}
    )
    AuditEntry.record(acting_user, "contacts.suppressed", entry, reason=reason)
    return entry
