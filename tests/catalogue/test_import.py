"""Imports into the database: duplicates, modes, preview, audit, command line."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given, settings
from hypothesis import strategies as st

from crpv.catalogue import formats
from crpv.catalogue.exporting import export_records
from crpv.catalogue.models import Agent, Concept, ConceptScheme, Copy, ImportBatch, Record
from crpv.catalogue.operations import delete_record, import_records
from crpv.core.models import AuditEntry

from .conftest import unimarc_record
from .test_formats_marc import unimarc_bytes

pytestmark = pytest.mark.django_db


def parse(*records):
    return formats.parse(b"".join(unimarc_bytes(r) for r in records), "unimarc")


def test_import_creates_records_with_authors_subjects_copies_and_audit(admin_user):
    scheme = ConceptScheme.objects.create(uri="urn:t", title="t")
    concept = Concept.objects.create(
        scheme=scheme, uri="urn:t:1", pref_label="Discriminations", alt_labels=["discrimination"]
    )
    report = import_records(parsed=parse(unimarc_record()), acting_user=admin_user, filename="pmb.mrc")
    assert report.written and len(report.created) == 1
    record = Record.objects.get()
    assert record.title == "Les quartiers prioritaires" and record.sort_title == "quartiers prioritaires"
    assert record.origin == "import" and record.source_identifier == "PMB42"
    assert list(record.subjects.all()) == [concept]  # matched on an alternative label
    assert record.keywords == ["Hauts-de-France", "Logement social"]  # unknown subject kept as keyword
    assert [str(a.agent) for a in record.authorships.all()] == ["Dupont, Jean", "Martin, Éloïse", "IREV"]
    assert Copy.objects.get().call_number == "PV DUP"
    entry = AuditEntry.objects.get(action="catalogue.import")
    assert entry.actor == admin_user and entry.details["created"] == 1
    assert ImportBatch.objects.get().created_count == 1


def test_duplicates_by_isbn_then_title_and_year(admin_user):
    import_records(parsed=parse(unimarc_record(ident="A")), acting_user=admin_user)
    again = parse(
        unimarc_record(ident="B", isbn="978-2-07-036822-8"),  # same ISBN, written as ISBN-13
        unimarc_record(ident="C", isbn="", title="Les quartiers prioritaires"),  # same title and year
        unimarc_record(ident="D", isbn="", title="Les quartiers prioritaires", year="2021"),  # another year
        unimarc_record(ident="E", isbn="", title="Un titre neuf"),
        unimarc_record(ident="F", isbn="", title="Un titre neuf"),  # duplicate inside the file
    )
    report = import_records(parsed=again, acting_user=admin_user)
    reasons = dict(report.duplicates)
    assert set(reasons) == {1, 2, 5}
    assert "ISBN 9782070368228" in reasons[1]
    assert "même titre et même année" in reasons[2]
    assert "notice 4 du fichier" in reasons[5]
    assert sorted(Record.objects.values_list("source_identifier", flat=True)) == ["A", "D", "E"]
    assert Agent.objects.filter(name="Dupont").count() == 1  # authors are shared, not duplicated


def test_all_or_nothing_refuses_the_batch_and_valid_only_imports_the_good_ones(admin_user):
    bad = bytearray(unimarc_bytes(unimarc_record(ident="X", title="Mauvaise")))
    bad[0:5] = b"00010"
    data = (
        unimarc_bytes(unimarc_record(ident="A"))
        + bytes(bad)
        + unimarc_bytes(unimarc_record(ident="C", isbn="", title="Autre"))
    )
    parsed = formats.parse(data, "unimarc")
    report = import_records(parsed=parsed, acting_user=admin_user)
    assert report.refused and not report.written
    assert [(e.position, "longueur" in e.reason) for e in report.errors] == [(2, True)]
    assert Record.objects.count() == 0 and not AuditEntry.objects.filter(action="catalogue.import").exists()
    report = import_records(parsed=parsed, acting_user=admin_user, mode="valid_only")
    assert report.written and len(report.created) == 2 and len(report.errors) == 1
    assert Record.objects.count() == 2


def test_dry_run_is_a_preview_that_writes_nothing(admin_user):
    report = import_records(parsed=parse(unimarc_record()), acting_user=admin_user, dry_run=True)
    assert report.created == [(1, "Les quartiers prioritaires")] and not report.written
    assert "seraient créées" in report.summary
    assert Record.objects.count() == 0 and ImportBatch.objects.count() == 0


def test_a_database_error_leaves_nothing_half_imported(admin_user, monkeypatch):
    from crpv.catalogue import operations

    def boom(*args, **kwargs):
        raise RuntimeError("panne")

    monkeypatch.setattr(operations, "_create_copies", boom)
    with pytest.raises(RuntimeError):
        import_records(parsed=parse(unimarc_record()), acting_user=admin_user)
    assert Record.objects.count() == 0 and Agent.objects.count() == 0 and ImportBatch.objects.count() == 0


def test_export_then_import_gives_the_same_fields(admin_user):
    import_records(parsed=parse(unimarc_record()), acting_user=admin_user)
    original = formats.parse(unimarc_bytes(unimarc_record()), "unimarc").records[0]
    for fmt, reader in (("unimarc", "unimarc"), ("marc21", "marc21"), ("marcxml", "marcxml")):
        p = formats.parse(export_records(Record.objects.all(), fmt), reader).records[0]
        assert (p.title, p.title_nonsort, p.isbn, p.year, p.publisher) == (
            original.title,
            original.title_nonsort,
            original.isbn,
            original.year,
            original.publisher,
        ), fmt
        assert [a.display for a in p.authors] == [a.display for a in original.authors]
        assert sorted(p.subjects + p.keywords) == sorted(original.subjects + original.keywords)
    # Re-importing the export is recognised as a duplicate.
    data = export_records(Record.objects.all(), "unimarc")
    report = import_records(parsed=formats.parse(data, "unimarc"), acting_user=admin_user)
    assert len(report.duplicates) == 1 and Record.objects.count() == 1


def test_deleted_records_are_tombstones(admin_user):
    import_records(parsed=parse(unimarc_record()), acting_user=admin_user)
    record = Record.objects.get()
    before = record.updated_at
    delete_record(record=record, acting_user=admin_user)
    assert Record.objects.alive().count() == 0 and Record.objects.deleted().get() == record
    assert Record.objects.changed_since(before).get().is_deleted
    # A deleted record is not a duplicate any more.
    report = import_records(parsed=parse(unimarc_record()), acting_user=admin_user)
    assert len(report.created) == 1


def test_import_command(tmp_path, admin_user):
    path = tmp_path / "notices.mrc"
    path.write_bytes(unimarc_bytes(unimarc_record()))
    call_command("import_records", str(path), "--format", "unimarc", "--dry-run")
    assert Record.objects.count() == 0
    call_command("import_records", str(path), "--format", "unimarc")
    assert Record.objects.count() == 1
    bad = tmp_path / "bad.ris"
    bad.write_bytes(b"TY  - BOOK\nTI  - ok\nER  - \nTY  - BOOK\nER  - \n")
    with pytest.raises(CommandError, match="lot refusé"):
        call_command("import_records", str(bad), "--format", "ris")
    call_command("import_records", str(bad), "--format", "ris", "--valid-only")
    assert Record.objects.count() == 2
    out = tmp_path / "export.bib"
    call_command("export_records", "--format", "bibtex", "--output", str(out))
    assert out.read_bytes().count(b"@") == 2


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=40), nonsort=st.integers(0, 5), organisation=st.booleans())
def test_import_keys_are_the_models_keys(text, nonsort, organisation):
    """The import folds with its own faster loop: the keys must be the models' and `fold`'s exactly."""
    from crpv.catalogue import operations
    from crpv.catalogue.models import agent_key, title_key
    from crpv.core.text import fold

    for value in (text, f"Œuvre {text}", f"\u00c9t\u0301{text}ß"):
        assert operations._fold(value) == fold(value)
        assert operations._title_key(value, nonsort) == title_key(value, nonsort)
        assert operations._agent_key(value, text, organisation) == agent_key(value, text, organisation)


def test_text_longer_than_its_column_is_cut(admin_user):
    from crpv.catalogue.formats.base import ParsedCopy, ParsedRecord, ParseResult

    p = ParsedRecord(
        position=1,
        title="T" * 700,
        publisher="É" * 300,
        series_number="9" * 80,
        copies=[ParsedCopy(barcode="B" * 70, call_number="C" * 150, note="N" * 300)],
    )
    report = import_records(parsed=ParseResult(format="csv", records=[p], count=1), acting_user=admin_user)
    assert report.written
    record = Record.objects.get()
    assert (len(record.title), record.publisher, len(record.series_number)) == (500, "É" * 255, 50)
    copy = record.copies.get()
    assert (len(copy.barcode), len(copy.call_number), len(copy.note)) == (50, 100, 255)
