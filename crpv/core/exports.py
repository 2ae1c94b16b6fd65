"""Spreadsheet exports (XLSX, CSV) safe against formula injection.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is read as a formula by spreadsheet software (and openpyxl
writes a string starting with ``=`` as a live formula). Every value goes
through `safe_cell`, which prefixes such strings with an apostrophe, as
OWASP recommends ("CSV injection"). Numbers, dates and booleans are kept.

Usage::

    return xlsx_response("programme-2025.xlsx", [Sheet("Objectifs", headers, rows)])
"""

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.http import HttpResponse

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value):
    """The value to write in a cell: text that could run as a formula is neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool | int | float):
        return value
    if not isinstance(value, str):
        if hasattr(value, "isoformat"):  # date, datetime
            return value
        value = str(value)
    if value.startswith(DANGEROUS_PREFIXES):
        return "'" + value
    return value


@dataclass
class Sheet:
    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence]


def write_xlsx(sheets: Sequence[Sheet]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet in sheets:
        # Sheet titles: 31 characters, none of []:*?/\
        title = "".join(c for c in sheet.title if c not in "[]:*?/\\")[:31] or "Feuille"
        worksheet = workbook.create_sheet(title)
        worksheet.append([safe_cell(h) for h in sheet.headers])
        for cell in worksheet[1]:
            cell.font = Font(bold=True)
        for row in sheet.rows:
            values = []
            for value in row:
                value = safe_cell(value)
                if isinstance(value, str):
                    value = ILLEGAL_CHARACTERS_RE.sub("", value)
                values.append(value)
            worksheet.append(values)
            for cell in worksheet[worksheet.max_row]:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula
        worksheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _attachment(response, filename):
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def xlsx_response(filename: str, sheets: Sequence[Sheet]) -> HttpResponse:
    return _attachment(HttpResponse(write_xlsx(sheets), content_type=XLSX_CONTENT_TYPE), filename)


def write_csv(headers: Sequence[str], rows: Iterable[Sequence]) -> str:
    """CSV as French spreadsheet software opens it: `;` separated, UTF-8 with BOM."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow([safe_cell(h) for h in headers])
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    return buffer.getvalue()


def csv_response(filename: str, headers: Sequence[str], rows: Iterable[Sequence]) -> HttpResponse:
    return _attachment(HttpResponse(write_csv(headers, rows), content_type="text/csv; charset=utf-8"), filename)
