"""Run an import: read, map, validate every row, write in batches.

The caller gives the columns it expects, a per-row validation function and,
to write, a batch function. Nothing the caller writes survives unless the
file is entirely valid (default mode) or the caller chose "import valid rows".
"""

from dataclasses import dataclass

from django.db import transaction

from .mapping import map_headers
from .report import ImportRefused, ImportReport
from .sources import open_table

ALL_OR_NOTHING = "all_or_nothing"
VALID_ROWS = "valid_rows"
MODES = (ALL_OR_NOTHING, VALID_ROWS)


@dataclass
class ImportRow:
    """One line that passed the per-row validation."""

    line: int
    raw: list
    values: dict
    cleaned: dict


class _Rollback(Exception):
    pass


class BatchContext:
    """What a batch function gets: the report and a way to reject a row."""

    def __init__(self, report, header_by_key, write):
        self.report = report
        self.header_by_key = header_by_key
        self.write = write

    def reject(self, row, key, reason):
        """Record an error found while checking a batch (duplicate…) for `row`."""
        self.report.add_error(row.line, self.header_by_key.get(key, ""), row.values.get(key, ""), reason)
        self.report.rejected_rows[row.line] = row.raw

    def notice(self, row, key, reason):
        self.report.add_notice(row.line, self.header_by_key.get(key, ""), row.values.get(key, ""), reason)


def run_import(
    source,
    *,
    columns,
    validate_row,
    process_batch=None,
    mapping=None,
    mode=ALL_OR_NOTHING,
    dry_run=False,
    batch_size=2000,
    progress=None,
    filename="",
    max_mb=None,
    limit=None,
    preview=None,
):
    """Import `source` and return an `ImportReport`.

    - `validate_row(values)` gets {key: stripped text} and returns the cleaned
      dict, or a list of (key, French reason) errors (key None: whole row).
    - `process_batch(rows, ctx)` gets up to `batch_size` valid `ImportRow`s and
      a `BatchContext`; it checks what needs several rows or the database
      (`ctx.reject(row, key, reason)`), then writes only if `ctx.write`.
    - In ALL_OR_NOTHING mode writing stops at the first error and everything
      written is rolled back; in VALID_ROWS mode rejected rows are skipped.
      `dry_run` always rolls back. All writes happen in one savepoint, so the
      caller can wrap this call in its own `transaction.atomic()` and add
      its audit entry when `report.written`.
    - `progress(rows_done, total_estimate)` is called after every batch.
    - `preview=n` keeps the first n rows (cleaned or with their errors) in
      `report.preview` and stops there; nothing is written.
    """
    if mode not in MODES:
        raise ValueError(f"unknown import mode {mode!r}")
    report = ImportReport(filename=filename)
    if preview:
        limit, dry_run = preview, True
        report.preview = []
    try:
        with transaction.atomic():
            _run(
                source,
                report,
                columns,
                validate_row,
                process_batch,
                mapping,
                mode,
                batch_size,
                progress,
                max_mb,
                limit,
            )
            keep = not dry_run and not report.refusal and (mode == VALID_ROWS or not report.errors)
            if not keep:
                raise _Rollback
            report.written = process_batch is not None
    except _Rollback:
        report.written = False
    report.rows_valid = report.rows_read - len({e.line for e in report.errors})
    return report


def _run(source, report, columns, validate_row, process_batch, mapping, mode, batch_size, progress, max_mb, limit):
    try:
        with open_table(source, max_mb=max_mb) as table:
            report.file_format = table.file_format
            report.encoding = table.encoding
            report.delimiter = table.delimiter
            report.headers = table.headers
            index, header_by_key, ignored = map_headers(table.headers, columns, mapping)
            report.ignored_headers = ignored
            for header in ignored:
                report.add_notice(table.header_line, header, "", "colonne non reconnue, ignorée")
            items = list(index.items())
            batch = []

            def flush():
                if not batch:
                    return
                if process_batch is not None:
                    write = mode == VALID_ROWS or not report.errors
                    process_batch(batch, BatchContext(report, header_by_key, write))
                batch.clear()
                if progress is not None:
                    progress(report.rows_read, max(table.total_estimate or 0, report.rows_read))

            for line, cells in table.rows:
                report.rows_read += 1
                width = len(cells)
                values = {key: (cells[i].strip() if i < width else "") for key, i in items}
                result = validate_row(values)
                if isinstance(result, dict):
                    batch.append(ImportRow(line, cells, values, result))
                    if report.preview is not None:
                        report.preview.append({"line": line, "values": values, "cleaned": result, "errors": []})
                else:
                    for key, reason in result:
                        report.add_error(line, header_by_key.get(key, ""), values.get(key, ""), reason)
                    report.rejected_rows[line] = cells
                    if report.preview is not None:
                        report.preview.append(
                            {"line": line, "values": values, "cleaned": None, "errors": [r for _, r in result]}
                        )
                if len(batch) >= batch_size:
                    flush()
                if limit and report.rows_read >= limit:
                    break
            flush()
    except ImportRefused as exc:
        report.refusal = str(exc)
