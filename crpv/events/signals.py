"""Keep event documents valid when a catalogue record they point to is deleted.

A document may be only a link to a record; `record` is `SET_NULL`, which
would leave such a document with neither file, link nor record, and the
database's check constraint refuses that. So, before the record goes, the
documents that are nothing but that record go with it (one audit entry each).
"""

from django.db.models.signals import pre_delete


def remove_documents_of_deleted_record(sender, instance, using, **kwargs):
    from crpv.core.models import AuditEntry

    from .models import EventDocument

    only_the_record = EventDocument.objects.using(using).filter(record=instance, file="", url="")
    for document in only_the_record:
        AuditEntry.record(
            None, "events.document_removed", document, event=document.event_id, reason="notice supprimée"
        )
    only_the_record.delete()


def connect():
    from crpv.catalogue.models import Record

    pre_delete.connect(
        remove_documents_of_deleted_record, sender=Record, dispatch_uid="events_documents_of_deleted_record"
    )
