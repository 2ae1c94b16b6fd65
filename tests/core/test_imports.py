"""The shared import framework, with files made the way people send them."""

import csv
import io
import zipfile

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crpv.core.imports import (
    VALID_ROWS,
    Column,
    ImportRefused,
    check_zip,
    neutralise,
    open_table,
    run_import,
)

COLUMNS = [
    Column("last_name", "Nom", required=True),
    Column("first_name", "Prénom"),
    Column("email", "Courriel", ("E-mail", "Mail", "Adresse mail")),
    Column("postcode", "Code postal", ("CP",)),
]


def validate(values):
    if "@" not in values.get("email", "x@"):
        return [("email", "adresse électronique invalide")]
    return dict(values)


def make_csv(rows, *, encoding="utf-8", delimiter=";"):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def read_all(data, **kwargs):
    with open_table(data, **kwargs) as table:
        return table, [cells for _, cells in table.rows]


def make_xlsx(rows):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- encodings and delimiters -------------------------------------------------


def test_excel_csv_windows_1252_semicolon_accented_headers():
    data = make_csv(
        [["Nom", "Prénom", "Code postal"], ["Lefèvre", "Anaïs", "2100"], ["Œuvre", "Zoé", "€"]], encoding="cp1252"
    )
    table, rows = read_all(data)
    assert (table.encoding, table.delimiter) == ("windows-1252", ";")
    assert table.headers == ["Nom", "Prénom", "Code postal"]
    assert rows == [["Lefèvre", "Anaïs", "2100"], ["Œuvre", "Zoé", "€"]]


def test_utf8_with_bom_and_comma():
    data = b"\xef\xbb\xbf" + make_csv([["Nom", "Prénom"], ["Dubœuf", "Élodie"]], delimiter=",")
    table, rows = read_all(data)
    assert (table.encoding, table.delimiter) == ("utf-8", ",")
    assert table.headers[0] == "Nom"  # no BOM left on the first header
    assert rows == [["Dubœuf", "Élodie"]]


def test_tab_separated():
    table, rows = read_all("Nom\tPrénom\nDurand\tLéa\n".encode())
    assert table.delimiter == "\t"
    assert rows == [["Durand", "Léa"]]


def test_semicolon_file_with_commas_in_addresses():
    data = "Nom;Adresse;CP\nDupont;12, rue de la Paix, bât. B;59000\nMartin;3, place Foch;80000\n".encode()
    table, rows = read_all(data)
    assert table.delimiter == ";"
    assert rows[0] == ["Dupont", "12, rue de la Paix, bât. B", "59000"]


def test_windows_1252_accent_far_beyond_the_sample_is_found():
    rows = [["Nom", "Prénom"]] + [["Durand", "Paul"]] * 20_000 + [["Lefèvre", "Anaïs"]]
    table, read = read_all(make_csv(rows, encoding="cp1252"))
    assert table.encoding == "windows-1252"
    assert read[-1] == ["Lefèvre", "Anaïs"]


@pytest.mark.parametrize(
    "data",
    [
        "Nom;Prénom\nDurand;Léa\n".encode("utf-16"),
        "Nom;Prénom\nDurand;Léa\n".encode("utf-16-le"),
        "Nom;Prénom\n".encode("utf-32"),
        bytes(range(256)) * 10,
        b"Nom;Pr\x81nom\n",  # 0x81 is undefined in Windows-1252 and invalid UTF-8
    ],
    ids=["utf16-bom", "utf16-no-bom", "utf32", "binary", "undefined-byte"],
)
def test_unknown_encodings_are_refused_clearly(data):
    with pytest.raises(ImportRefused) as refused:
        read_all(data)
    message = str(refused.value)
    assert "UTF" in message or "contrôle" in message or "encodage" in message


def test_old_xls_is_refused():
    with pytest.raises(ImportRefused, match=r"\.xls"):
        read_all(b"\xd0\xcf\x11\xe0" + b"\x00" * 600)


def test_blank_lines_are_skipped_and_line_numbers_kept():
    data = b"Nom;Courriel\r\n\r\nDurand;a@b.fr\r\n;\r\n  ;  \r\nMartin;c@d.fr\r\n"
    with open_table(data) as table:
        assert list(table.rows) == [(3, ["Durand", "a@b.fr"]), (6, ["Martin", "c@d.fr"])]


def test_multiline_cell_keeps_the_line_of_the_record_start():
    data = b'Nom;Adresse\nDurand;"1 rue A\nB\xc3\xa2t C"\nMartin;2 rue B\n'
    with open_table(data) as table:
        assert [line for line, _ in table.rows] == [2, 4]


_TEXT = st.text(
    alphabet=st.sampled_from(
        list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 '\"-.éèêàâçùûôîïÉÀÇ")
    ),
    min_size=1,
    max_size=12,
).filter(lambda s: s.strip())


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    width=st.integers(min_value=2, max_value=5),
    data=st.data(),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]),
    delimiter=st.sampled_from([";", ",", "\t"]),
)
def test_random_text_round_trips_through_encodings_and_delimiters(width, data, encoding, delimiter):
    rows = data.draw(st.lists(st.lists(_TEXT, min_size=width, max_size=width), min_size=1, max_size=8))
    header = data.draw(st.lists(_TEXT, min_size=width, max_size=width))
    raw = make_csv([header, *rows], encoding=encoding, delimiter=delimiter)
    table, read = read_all(raw)
    assert table.delimiter == delimiter
    assert table.headers == [h.strip() for h in header]
    assert read == rows
    has_accent = any(ord(ch) > 127 for row in [header, *rows] for cell in row for ch in cell)
    if has_accent:
        assert table.encoding == ("windows-1252" if encoding == "cp1252" else "utf-8")


# --- XLSX ------------------------------------------------------------------------


def test_xlsx_made_with_openpyxl():
    data = make_xlsx(
        [["Nom", "Prénom", "CP"], [None, None, None], ["Lefèvre", "Anaïs", 2100], ["Dupont", "Jean", 80000.0]]
    )
    table, rows = read_all(data)
    assert table.file_format == "xlsx"
    assert table.headers == ["Nom", "Prénom", "CP"]
    assert rows == [["Lefèvre", "Anaïs", "2100"], ["Dupont", "Jean", "80000"]]


def test_xlsx_line_numbers_are_the_spreadsheet_rows():
    with open_table(make_xlsx([["Nom"], ["A"], [None], ["B"]])) as table:
        assert [line for line, _ in table.rows] == [2, 4]


def _zip_bomb(inflated_mb):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:
            chunk = b"\0" * (1 << 20)
            for _ in range(inflated_mb):
                member.write(chunk)
    return buffer.getvalue()


def test_zip_bomb_xlsx_is_refused(settings):
    settings.CRPV_IMPORT_MAX_UNCOMPRESSED_MB = 20
    bomb = _zip_bomb(40)
    assert len(bomb) < 100_000  # a small file…
    with pytest.raises(ImportRefused, match="anormalement grand"):
        read_all(bomb)


def test_high_ratio_member_is_refused_below_the_total_limit():
    bomb = _zip_bomb(8)
    with pytest.raises(ImportRefused, match="taux de compression"):
        check_zip(io.BytesIO(bomb), max_uncompressed=100 * 1024 * 1024, max_ratio=100)


def test_ordinary_xlsx_passes_the_guard():
    check_zip(io.BytesIO(make_xlsx([["Nom"]] + [[f"Personne {i}"] for i in range(2000)])))


def test_corrupt_xlsx_is_refused():
    with pytest.raises(ImportRefused, match="illisible"):
        read_all(b"PK\x03\x04" + b"garbage" * 100)


# --- size limit --------------------------------------------------------------------


class EndlessStream(io.RawIOBase):
    """A non-seekable upload that never ends; counts what was read."""

    def __init__(self):
        self.read_bytes = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        buffer[:] = b"a;b\n" * (len(buffer) // 4) + b"\n" * (len(buffer) % 4)
        self.read_bytes += len(buffer)
        return len(buffer)


def test_oversize_stream_is_refused_without_reading_it_whole(settings):
    settings.CRPV_MAX_UPLOAD_MB = 2
    stream = EndlessStream()
    with pytest.raises(ImportRefused, match="taille maximale"):
        read_all(stream)
    assert stream.read_bytes <= 4 * 1024 * 1024


def test_oversize_path_is_refused_from_its_size(tmp_path, settings):
    settings.CRPV_MAX_UPLOAD_MB = 1
    path = tmp_path / "gros.csv"
    with open(path, "wb") as handle:
        handle.truncate(100 * 1024 * 1024)  # sparse: 100 MB announced, nothing read
    with pytest.raises(ImportRefused, match="1 Mo"):
        read_all(path)


def test_empty_file_is_refused():
    with pytest.raises(ImportRefused, match="vide"):
        read_all(b"")


# --- mapping, validation, modes, report ------------------------------------------


@pytest.mark.django_db
def test_headers_are_matched_on_folded_names_and_explicit_mapping():
    data = make_csv(
        [
            ["NOM", "prénom", "Adresse mail", "Code Postal", "Ville natale"],
            ["Durand", "Léa", "l@x.fr", "59000", "Lille"],
        ]
    )
    report = run_import(data, columns=COLUMNS, validate_row=validate, preview=5)
    assert report.preview[0]["cleaned"] == {
        "last_name": "Durand",
        "first_name": "Léa",
        "email": "l@x.fr",
        "postcode": "59000",
    }
    assert report.ignored_headers == ["Ville natale"]
    report = run_import(
        data,
        columns=COLUMNS,
        validate_row=validate,
        preview=5,
        mapping={"Ville natale": "postcode", "Code Postal": "first_name"},
    )
    assert report.refusal.startswith("les colonnes")


@pytest.mark.django_db
def test_missing_required_column_refuses_the_file():
    report = run_import(make_csv([["Prénom"], ["Léa"]]), columns=COLUMNS, validate_row=validate)
    assert report.refusal == "colonne obligatoire absente : « Nom »."
    assert not report.ok


@pytest.mark.django_db
def test_row_errors_carry_line_column_value_and_french_reason():
    data = make_csv([["Nom", "Courriel"], ["Durand", "ok@x.fr"], [], ["Martin", "jean.x"], ["=1+1", "-2"]])
    report = run_import(data, columns=COLUMNS, validate_row=validate)
    assert [str(e) for e in report.errors] == [
        "ligne 4, colonne « Courriel » : adresse électronique invalide (« jean.x »)",
        "ligne 5, colonne « Courriel » : adresse électronique invalide (« -2 »)",
    ]
    assert (report.rows_read, report.rows_valid) == (3, 1)


@pytest.mark.django_db
def test_error_file_neutralises_formulas():
    data = make_csv([["Nom", "Courriel"], ['=HYPERLINK("http://x")', "+33"], ["@SUM(A1)", "\tcmd"], ["-1", "\rx"]])
    report = run_import(data, columns=COLUMNS, validate_row=validate)
    content = report.error_file_bytes()
    assert content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["ligne", "Nom", "Courriel", "erreurs"]
    assert rows[1][:3] == ["2", '\'=HYPERLINK("http://x")', "'+33"]
    assert rows[2][1] == "'@SUM(A1)"
    assert rows[3][1] == "'-1"
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1", "'=1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@a", "'@a"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("a=b", "a=b"),
        (None, ""),
        (12, "12"),
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


def _writer(log):
    def process(rows, ctx):
        for row in rows:
            if row.cleaned["last_name"] == "Doublon":
                ctx.reject(row, "last_name", "en double")
                continue
            if ctx.write:
                log.append(row.cleaned["last_name"])

    return process


@pytest.mark.django_db
def test_all_or_nothing_stops_writing_and_valid_rows_mode_skips_bad_rows():
    rows = (
        [["Nom", "Courriel"]]
        + [[f"P{i}", f"p{i}@x.fr"] for i in range(10)]
        + [["Bad", "nope"], ["Doublon", "d@x.fr"], ["Fin", "f@x.fr"]]
    )
    data = make_csv(rows)
    log = []
    report = run_import(data, columns=COLUMNS, validate_row=validate, process_batch=_writer(log), batch_size=4)
    assert not report.written and report.error_lines == [12, 13]
    log.clear()
    report = run_import(data, columns=COLUMNS, validate_row=validate, process_batch=_writer(log), mode=VALID_ROWS)
    assert report.written and log == [*(f"P{i}" for i in range(10)), "Fin"]
    assert report.error_lines == [12, 13]


@pytest.mark.django_db
def test_progress_is_reported_per_batch():
    data = make_csv([["Nom"]] + [[f"P{i}"] for i in range(25)])
    calls = []
    run_import(
        data,
        columns=COLUMNS,
        validate_row=validate,
        process_batch=lambda rows, ctx: None,
        batch_size=10,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert [done for done, _ in calls] == [10, 20, 25]
    assert all(total >= done for done, total in calls)


@pytest.mark.django_db
def test_preview_keeps_the_first_rows_and_writes_nothing():
    data = make_csv([["Nom", "Courriel"], ["A", "a@x.fr"], ["B", "nope"], ["C", "c@x.fr"]])
    log = []
    report = run_import(data, columns=COLUMNS, validate_row=validate, process_batch=_writer(log), preview=2)
    assert [p["line"] for p in report.preview] == [2, 3]
    assert report.preview[1]["errors"] == ["adresse électronique invalide"]
    assert not report.written
