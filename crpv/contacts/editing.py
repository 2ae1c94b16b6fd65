"""Staff edits of the base Acteurs, operations-style (see DESIGN.md).

Each function takes keyword-only arguments with `acting_user`, runs in one
transaction and writes its `AuditEntry` in it. Forms validate the input;
views call these.
"""

from django.db import transaction

from crpv.core.models import AuditEntry

from .models import ContactImport


def _changed(form):
    return sorted(form.changed_data)


@transaction.atomic
def save_person(*, form, acting_user):
    """Create or update a person from a bound, valid `PersonForm`."""
    creating = form.instance.pk is None
    person = form.save()
    action = "contacts.person_created" if creating else "contacts.person_changed"
    AuditEntry.record(acting_user, action, person, fields=_changed(form))
    return person


@transaction.atomic
def save_organisation(*, form, acting_user):
    """Create or update a structure, then attach the EPCI/commune its identifiers designate."""
    creating = form.instance.pk is None
    organisation = form.save()
    epci_ids, commune_ids = organisation.link_territories()
    action = "contacts.organisation_created" if creating else "contacts.organisation_changed"
    AuditEntry.record(
        acting_user,
        action,
        organisation,
        fields=_changed(form),
        linked_epcis=epci_ids,
        linked_communes=commune_ids,
    )
    return organisation


@transaction.atomic
def save_position(*, form, person, acting_user):
    creating = form.instance.pk is None
    position = form.save(commit=False)
    position.person = person
    position.save()
    action = "contacts.position_created" if creating else "contacts.position_changed"
    AuditEntry.record(acting_user, action, position, person_id=person.pk, fields=_changed(form))
    return position


@transaction.atomic
def save_membership(*, form, person, acting_user):
    creating = form.instance.pk is None
    membership = form.save(commit=False)
    membership.person = person
    membership.save()
    action = "contacts.membership_created" if creating else "contacts.membership_changed"
    AuditEntry.record(acting_user, action, membership, person_id=person.pk, fields=_changed(form))
    return membership


@transaction.atomic
def save_segment(*, segment, criteria, acting_user, name, description):
    creating = segment.pk is None
    segment.name, segment.description, segment.criteria = name, description, criteria
    if creating:
        segment.owner = acting_user
    segment.save()
    AuditEntry.record(
        acting_user, "contacts.segment_created" if creating else "contacts.segment_changed", segment, criteria=criteria
    )
    return segment


def record_person_view(*, person, acting_user):
    """Trace that a staff member opened a person's record (RGPD accountability)."""
    return AuditEntry.record(acting_user, "person.viewed", person)


def record_export(*, segment, acting_user, file_format, rows):
    return AuditEntry.record(acting_user, "contacts.segment_exported", segment, format=file_format, rows=rows)


@transaction.atomic
def create_contact_import(*, upload, acting_user, extension):
    """Store an uploaded file under a random name (never the client's) and open an import."""
    contact_import = ContactImport(original_name=(upload.name or "")[:255], created_by=acting_user)
    contact_import.file.save(f"fichier.{extension}", upload, save=False)
    contact_import.save()
    AuditEntry.record(acting_user, "contacts.import_uploaded", contact_import, filename=contact_import.original_name)
    return contact_import


@transaction.atomic
def check_contact_import(*, contact_import, mapping, acting_user):
    """Keep the chosen column mapping and the dry-run preview of the whole file."""
    from .tasks import build_preview

    contact_import.mapping = mapping
    contact_import.preview = build_preview(contact_import, acting_user=acting_user)
    contact_import.status = ContactImport.Status.PREVIEWED
    contact_import.save(update_fields=["mapping", "preview", "status", "updated_at"])
    AuditEntry.record(acting_user, "contacts.import_checked", contact_import, mapping=mapping)
    return contact_import


@transaction.atomic
def queue_contact_import(*, contact_import, mode, existing, acting_user):
    """Record the chosen options and run the import in the background after commit."""
    from .tasks import run_contact_import

    contact_import.options = {"mode": mode, "existing": existing}
    contact_import.status = ContactImport.Status.QUEUED
    contact_import.rows_done = 0
    contact_import.save(update_fields=["options", "status", "rows_done", "updated_at"])
    AuditEntry.record(acting_user, "contacts.import_queued", contact_import, mode=mode, existing=existing)
    pk = contact_import.pk
    transaction.on_commit(lambda: run_contact_import.enqueue(pk))
    return contact_import
