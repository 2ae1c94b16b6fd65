"""Contacts imports from the staff screens: column mapping, preview, background run.

The file stays in Django's storage under a random name between the steps.
`run_contact_import` is a task (Tasks API); it publishes its progress in the
cache (shared by web and worker processes in production: Redis) and stores
the final report and the error file on the `ContactImport` row.
"""

import logging

from django.core.cache import caches
from django.core.files.base import ContentFile
from django.db import transaction
from django_tasks import task

from crpv.core.imports import ALL_OR_NOTHING, ImportRefused, open_table, run_import
from crpv.core.text import fold

from .importing import COLUMNS, clean_row
from .models import ContactImport, Person

logger = logging.getLogger(__name__)
PREVIEW_ROWS = 20
MAX_LISTED = 500


def progress_key(pk):
    return f"contacts:import:{pk}:progress"


def read_stored(contact_import):
    """The stored file's bytes (bounded by the upload limit checked at upload)."""
    with contact_import.file.open("rb") as stream:
        return stream.read()


def file_headers(data):
    """The header row of the file, or raise `ImportRefused`."""
    with open_table(data) as table:
        return list(table.headers)


def automatic_mapping(headers):
    """({header: key} recognised by the French aliases, [headers left over])."""
    by_name = {name: column.key for column in COLUMNS for name in column.folded_names()}
    recognised, rest = {}, []
    for header in headers:
        key = by_name.get(fold(header))
        if key is not None and key not in recognised.values():
            recognised[header] = key
        elif header:
            rest.append(header)
    return recognised, rest


def _issue(issue):
    return {"line": issue.line, "column": issue.column, "value": issue.value, "reason": issue.reason}


def report_dict(report, *, merge_candidates=()):
    """What the screens show of an `ImportReport`, as JSON."""
    return {
        "summary": report.summary(),
        "refusal": report.refusal,
        "rows_read": report.rows_read,
        "rows_valid": report.rows_valid,
        "error_count": len(report.errors),
        "error_lines": len(report.error_lines),
        "errors": [_issue(e) for e in report.errors[:MAX_LISTED]],
        "notices": [_issue(n) for n in report.notices[:MAX_LISTED]],
        "counts": dict(sorted(report.counts.items())),
        "written": report.written,
        "encoding": report.encoding,
        "file_format": report.file_format,
        "ignored_headers": report.ignored_headers,
        "merge_candidates": [
            {"line": line, "person_id": person_id, "score": score} for line, person_id, score in merge_candidates
        ],
    }


def build_preview(contact_import, *, acting_user):
    """Check the whole file without writing: first rows cleaned, errors, duplicates.

    A dry run with `existing="skip"` lists, as notices, every row whose person
    is already in the base (same e-mail, or same name in the same structure).
    """
    from .operations import import_contacts

    data = read_stored(contact_import)
    first = run_import(
        data, columns=COLUMNS, validate_row=clean_row, mapping=contact_import.mapping, preview=PREVIEW_ROWS
    )
    dry = import_contacts(
        source=data,
        acting_user=acting_user,
        filename=contact_import.original_name,
        mapping=contact_import.mapping,
        dry_run=True,
        existing="skip",
    )
    preview = report_dict(dry, merge_candidates=getattr(dry, "merge_candidates", ()))
    preview["in_base"] = dry.counts.get("ignorées (déjà dans la base)", 0)
    preview["rows"] = [
        {
            "line": row["line"],
            "cells": [(row["cleaned"] or row["values"]).get(c.key, "") for c in COLUMNS],
            "errors": row["errors"],
        }
        for row in first.preview or []
    ]
    preview["columns"] = [c.label for c in COLUMNS]
    names = dict(
        Person.objects.filter(pk__in=[m["person_id"] for m in preview["merge_candidates"]]).values_list(
            "pk", "last_name"
        )
    )
    for candidate in preview["merge_candidates"]:
        candidate["name"] = names.get(candidate["person_id"], "")
    return preview


@task()
def run_contact_import(contact_import_id: int):
    from .operations import import_contacts

    contact_import = ContactImport.objects.select_related("created_by").filter(pk=contact_import_id).first()
    if contact_import is None or contact_import.status != ContactImport.Status.QUEUED:
        return None
    ContactImport.objects.filter(pk=contact_import.pk).update(status=ContactImport.Status.RUNNING)
    key = progress_key(contact_import.pk)

    def progress(done, total):
        caches["shared"].set(key, (done, total), 3600)

    options = contact_import.options or {}
    try:
        report = import_contacts(
            source=read_stored(contact_import),
            acting_user=contact_import.created_by,
            filename=contact_import.original_name,
            mapping=contact_import.mapping,
            mode=options.get("mode", ALL_OR_NOTHING),
            existing=options.get("existing", "update"),
            progress=progress,
        )
    except (ImportRefused, OSError) as exc:  # the file vanished or became unreadable
        logger.warning("contacts import %s failed: %s", contact_import.pk, exc)
        ContactImport.objects.filter(pk=contact_import.pk).update(
            status=ContactImport.Status.FAILED,
            report={"refusal": str(exc), "summary": str(exc), "written": False, "errors": [], "notices": []},
        )
        return None
    with transaction.atomic():
        contact_import.report = report_dict(report, merge_candidates=getattr(report, "merge_candidates", ()))
        contact_import.rows_done = contact_import.rows_total = report.rows_read
        contact_import.status = ContactImport.Status.DONE if not report.refusal else ContactImport.Status.FAILED
        if report.errors:
            contact_import.error_file.save("erreurs.csv", ContentFile(report.error_file_bytes()), save=False)
        contact_import.save()
    caches["shared"].delete(key)
    return contact_import.report["summary"]


def read_error_file(contact_import):
    with contact_import.error_file.open("rb") as stream:
        return stream.read()
