"""Open an uploaded or local file as a stream of rows.

CSV (UTF-8, UTF-8 with BOM or Windows-1252; `;`, `,` or tab) and XLSX are
accepted. Every limit is checked before the content is parsed, and a file is
never read whole into memory to be refused.
"""

import codecs
import contextlib
import csv
import datetime
import io
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from .report import ImportRefused

CHUNK = 1 << 20
SAMPLE_BYTES = 64 * 1024
DELIMITERS = (";", ",", "\t")
DELIMITER_NAMES = {";": "point-virgule", ",": "virgule", "\t": "tabulation"}
# Bytes that never occur in a text file made by a spreadsheet or an editor.
_CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0e-\x19\x1b-\x1f]")
_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"


def max_upload_bytes(max_mb=None):
    return int((max_mb if max_mb is not None else settings.CRPV_MAX_UPLOAD_MB) * 1024 * 1024)


def xlsx_limits():
    """Zip-bomb guard: total inflated size and per-member compression ratio."""
    return (
        int(getattr(settings, "CRPV_IMPORT_MAX_UNCOMPRESSED_MB", 200) * 1024 * 1024),
        float(getattr(settings, "CRPV_IMPORT_MAX_ZIP_RATIO", 200)),
    )


@dataclass
class Table:
    """An opened file: its header row and an iterator over (line number, cells)."""

    file_format: str
    headers: list
    header_line: int
    rows: object
    encoding: str = ""
    delimiter: str = ""
    total_estimate: int | None = None
    _closers: list = field(default_factory=list, repr=False)


def _megabytes(n):
    return f"{n / (1024 * 1024):.0f} Mo"


def _too_large(limit):
    return ImportRefused(f"le fichier dépasse la taille maximale autorisée ({_megabytes(limit)}).")


def _open_binary(source, limit, stack):
    """Return a seekable binary stream and its size, refusing oversize input early."""
    if isinstance(source, (bytes, bytearray)):
        if len(source) > limit:
            raise _too_large(limit)
        return io.BytesIO(source), len(source)
    if isinstance(source, (str, Path)):
        try:
            size = os.stat(source).st_size
        except OSError as exc:
            raise ImportRefused(f"le fichier est introuvable ou illisible ({exc.strerror}).") from exc
        if size > limit:
            raise _too_large(limit)
        return stack.enter_context(open(source, "rb")), size  # noqa: SIM115
    stream = source
    size = getattr(source, "size", None)  # Django's UploadedFile
    if size is not None and size > limit:
        raise _too_large(limit)
    seekable = getattr(stream, "seekable", lambda: False)()
    if seekable:
        stream.seek(0, os.SEEK_END)
        size = stream.tell()
        stream.seek(0)
        if size > limit:
            raise _too_large(limit)
        return stream, size
    # A pipe or a network stream: spool it to a temporary file, stopping at
    # the limit instead of reading everything first.
    spool = stack.enter_context(tempfile.SpooledTemporaryFile(max_size=8 * CHUNK))  # noqa: SIM115
    size = 0
    while chunk := stream.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        spool.write(chunk)
    spool.seek(0)
    return spool, size


def detect_encoding(stream):
    """Return "utf-8-sig" or "cp1252" for a seekable binary stream, or refuse.

    Strict UTF-8 is tried on the whole stream first (Windows-1252 text with an
    accent almost never decodes as UTF-8); then strict Windows-1252, which
    leaves five byte values undefined. UTF-16/32 and binary content are
    refused with a message saying how to save the file instead.
    """
    stream.seek(0)
    head = stream.read(4)
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        raise ImportRefused(_unsupported_encoding("UTF-32"))
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportRefused(_unsupported_encoding("UTF-16"))
    stream.seek(0)
    first = stream.read(SAMPLE_BYTES)
    if b"\x00" in first:
        raise ImportRefused(
            "le fichier contient des octets nuls : il est encodé en UTF-16 ou ce n'est pas un fichier texte. "
            "Enregistrez-le au format « CSV UTF-8 (délimité par des virgules) » ou en XLSX."
        )
    for encoding in ("utf-8", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)("strict")
        stream.seek(0)
        position = 0
        try:
            while chunk := stream.read(CHUNK):
                match = _CONTROL_BYTES.search(chunk)
                if match:
                    raise ImportRefused(
                        f"le fichier contient des caractères de contrôle (octet {position + match.start()}) : "
                        "ce n'est pas un fichier CSV ou texte. Enregistrez-le en CSV ou en XLSX."
                    )
                decoder.decode(chunk)
                position += len(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        stream.seek(0)
        return "utf-8-sig" if encoding == "utf-8" else encoding
    raise ImportRefused(
        "l'encodage du fichier n'est ni UTF-8 ni Windows-1252 (Excel). "
        "Enregistrez-le au format « CSV UTF-8 » ou « CSV (séparateur : point-virgule) »."
    )


def _unsupported_encoding(name):
    return (
        f"le fichier est encodé en {name}, qui n'est pas pris en charge. "
        "Enregistrez-le au format « CSV UTF-8 (délimité par des virgules) » ou en XLSX."
    )


def detect_delimiter(sample):
    """Pick `;`, `,` or tab for a text sample.

    `csv.Sniffer` makes the first guess; it is kept when it parses the sample
    as consistently as the best candidate (same number of fields on every
    line as on the header line, no broken quoting). Otherwise, and when the
    sniffer gives up, the most consistent candidate wins, more fields first.
    A file with a single column gets `;`.
    """
    lines = sample.splitlines()
    scores = {}
    for delimiter in DELIMITERS:
        scores[delimiter] = _consistency(sample, delimiter)
    best = max(DELIMITERS, key=lambda d: scores[d])
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        sniffed = None
    if sniffed in scores and scores[sniffed][:2] == scores[best][:2] and scores[sniffed][1]:
        return sniffed
    if not lines or not scores[best][1]:
        return ";"
    return best


def _consistency(sample, delimiter):
    """(share of rows with as many fields as the header, header has >1 field, fields)."""
    try:
        rows = [r for r in csv.reader(io.StringIO(sample), delimiter=delimiter, strict=True) if any(r)]
    except csv.Error:
        return (-1.0, False, 0)
    if not rows:
        return (0.0, False, 0)
    width = len(rows[0])
    same = sum(1 for r in rows if len(r) == width)
    return (same / len(rows), width > 1, width)


def _csv_table(stream, size, stack):
    encoding = detect_encoding(stream)
    stream.seek(0)
    raw_sample = stream.read(SAMPLE_BYTES)
    complete = len(raw_sample) >= size
    sample = raw_sample.decode(encoding, errors="ignore")
    if not complete and "\n" in sample:
        sample = sample[: sample.rindex("\n") + 1]
    delimiter = detect_delimiter(sample)
    sample_lines = max(1, sample.count("\n"))
    bytes_per_line = max(1, len(raw_sample) / sample_lines)
    stream.seek(0)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="")
    stack.callback(text.detach)
    reader = csv.reader(text, delimiter=delimiter)

    def numbered_rows():
        previous = 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise ImportRefused(f"ligne {previous + 1} : ligne CSV illisible ({exc}).") from exc
            line = previous + 1
            previous = reader.line_num
            if not any(c.strip() for c in cells):
                continue
            yield line, cells

    rows = numbered_rows()
    header_line, headers = next(rows, (0, None))
    if headers is None:
        raise ImportRefused("le fichier est vide.")
    return Table(
        file_format="csv",
        headers=[h.strip() for h in headers],
        header_line=header_line,
        rows=rows,
        encoding="utf-8" if encoding == "utf-8-sig" else "windows-1252",
        delimiter=delimiter,
        total_estimate=max(0, int(size / bytes_per_line) - 1),
    )


def check_zip(stream, *, max_uncompressed=None, max_ratio=None):
    """Refuse an XLSX (zip) whose members would inflate beyond the limits.

    The declared sizes are checked first (cheap); then each member is
    actually inflated in chunks and counted, because a crafted archive can
    lie about its sizes. Nothing is kept in memory.
    """
    default_total, default_ratio = xlsx_limits()
    max_uncompressed = default_total if max_uncompressed is None else max_uncompressed
    max_ratio = default_ratio if max_ratio is None else max_ratio
    refused = ImportRefused(
        "le fichier XLSX se décompresse en un volume anormalement grand "
        f"(plus de {_megabytes(max_uncompressed)} ou un taux de compression supérieur à {max_ratio:.0f}) : refusé."
    )
    stream.seek(0)
    try:
        archive = zipfile.ZipFile(stream)
        members = archive.infolist()
        if len(members) > 10_000:
            raise refused
        if sum(m.file_size for m in members) > max_uncompressed:
            raise refused
        for member in members:
            if member.file_size > CHUNK and member.file_size > max_ratio * max(member.compress_size, 1):
                raise refused
        total = 0
        for member in members:
            with archive.open(member) as inflated:
                while chunk := inflated.read(CHUNK):
                    total += len(chunk)
                    if total > max_uncompressed or (total > CHUNK and total > max_ratio * max(stream_size(stream), 1)):
                        raise refused
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, NotImplementedError) as exc:
        raise ImportRefused("le fichier XLSX est illisible (archive endommagée ou chiffrée).") from exc
    finally:
        stream.seek(0)


def stream_size(stream):
    position = stream.tell()
    stream.seek(0, os.SEEK_END)
    size = stream.tell()
    stream.seek(position)
    return size


def cell_text(value):
    """A spreadsheet cell as the text a person would have typed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)


def _xlsx_table(stream, size, stack):
    check_zip(stream)
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_filelike(stream)
        stack.callback(workbook.close)
        sheet = workbook.get_sheet_by_index(0)
        first_row = sheet.start[0] if sheet.start else 0
        height = sheet.height
        source_rows = sheet.iter_rows()
    except python_calamine.PasswordError as exc:
        raise ImportRefused("le fichier XLSX est protégé par un mot de passe.") from exc
    except Exception as exc:  # calamine raises several unrelated types
        raise ImportRefused("le fichier XLSX est illisible.") from exc

    def numbered_rows():
        for index, values in enumerate(source_rows):
            cells = [cell_text(v) for v in values]
            if not any(c.strip() for c in cells):
                continue
            yield first_row + index + 1, cells

    rows = numbered_rows()
    header_line, headers = next(rows, (0, None))
    if headers is None:
        raise ImportRefused("la première feuille du classeur est vide.")
    while headers and not headers[-1].strip():
        headers.pop()
    return Table(
        file_format="xlsx",
        headers=[h.strip() for h in headers],
        header_line=header_line,
        rows=rows,
        total_estimate=max(0, height - 1),
    )


@contextlib.contextmanager
def open_table(source, *, max_mb=None):
    """Open `source` (path, bytes, uploaded file or binary stream) as a Table.

    Refuses with `ImportRefused` (French message) a file that is too large,
    not CSV/XLSX, in an unsupported encoding, or an XLSX zip bomb.
    """
    limit = max_upload_bytes(max_mb)
    with contextlib.ExitStack() as stack:
        stream, size = _open_binary(source, limit, stack)
        if size == 0:
            raise ImportRefused("le fichier est vide.")
        magic = stream.read(4)
        stream.seek(0)
        if magic == _XLSX_MAGIC:
            yield _xlsx_table(stream, size, stack)
        elif magic == _OLE_MAGIC:
            raise ImportRefused(
                "le format Excel 97-2003 (.xls) n'est pas pris en charge : enregistrez le fichier en .xlsx ou en CSV."
            )
        else:
            yield _csv_table(stream, size, stack)
