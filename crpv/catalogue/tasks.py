"""Background work of the catalogue (Tasks API: the worker runs it after commit)."""

from django.db import transaction
from django_tasks import task


@task()
def index_records_task(record_ids=None, batch_id=None):
    """Bring the full-text index up to date for these records, or for every record of an import batch."""
    from crpv.catalogue.models import Record
    from crpv.catalogue.search import index_records

    ids = list(record_ids or ())
    if batch_id is not None:
        ids += list(Record.objects.filter(import_batch_id=batch_id).values_list("pk", flat=True))
    index_records(ids)


def index_after_commit(*, record_ids=None, batch_id=None):
    """Index once the writing transaction commits: imports stay fast, search follows within seconds."""
    record_ids = sorted({int(pk) for pk in record_ids or ()})
    if not record_ids and batch_id is None:
        return
    transaction.on_commit(lambda: index_records_task.enqueue(record_ids=record_ids, batch_id=batch_id))
