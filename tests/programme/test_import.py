import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from crpv.core.models import AuditEntry
from crpv.programme.models import Action, Axis, CalendarWindow, Partner, Programme, Target
from crpv.programme.operations import import_programme
from crpv.programme.parsing import parse_text

from .conftest import SEED

pytestmark = pytest.mark.django_db


def test_seed_import_then_reimport_changes_nothing(seed, staff_user):
    report = import_programme(parsed=seed, year=2025, acting_user=staff_user)
    assert report.counts["axis"]["created"] == 7
    assert report.counts["action"]["created"] == 27
    assert report.counts["target"]["created"] == 34
    assert Axis.objects.count() == 7 and Action.objects.count() == 27 and Target.objects.count() == 34
    target = Target.objects.get(action__axis__number=2, action__position=4, position=1)
    assert (target.quantity, target.quantity_max, target.unit) == (4, 5, "territoire")
    assert target.source.startswith("Le groupe ainsi constitué identifierait sur 4 ou 5 territoires")
    entry = AuditEntry.objects.get(action="programme.imported")
    assert entry.actor == staff_user and entry.details["counts"]["target"]["created"] == 34

    before = list(Target.objects.order_by("pk").values())
    again = import_programme(parsed=seed, year=2025, acting_user=staff_user)
    assert not again.has_changes
    assert again.counts["target"] == {"created": 0, "updated": 0, "deleted": 0, "unchanged": 34}
    assert list(Target.objects.order_by("pk").values()) == before
    assert Programme.objects.count() == 1 and Partner.objects.filter(name="Université de Lille").count() == 1


def test_edited_file_updates_in_place_and_reports(seed_bytes, staff_user):
    text = seed_bytes.decode()
    import_programme(parsed=parse_text(text), year=2025, acting_user=staff_user)
    owner_action = Action.objects.get(axis__number=2, position=4)
    owner_action.owner = staff_user
    owner_action.save()
    target_pk = Target.objects.get(action=owner_action, position=1).pk

    edited = (
        text.replace("4 ou 5 territoires", "5 ou 6 territoires")
        .replace("Objectif : 2 rencontres en visio par an", "Objectif : rencontres en visio")
        .replace("Février à juin 2025", "Mars à juin 2025")
    )
    report = import_programme(parsed=parse_text(edited), year=2025, acting_user=staff_user)
    assert report.counts["target"]["updated"] == 1
    assert report.counts["target"]["deleted"] == 1
    assert report.counts["window"]["updated"] == 1
    updated = next(c for c in report.changes if c["kind"] == "target" and c["operation"] == "updated")
    assert updated["diff"]["quantité"] == [4, 5]
    assert updated["diff"]["quantité maximale"] == [5, 6]
    target = Target.objects.get(pk=target_pk)  # same row, updated in place
    assert (target.quantity, target.quantity_max) == (5, 6)
    assert Target.objects.count() == 33
    assert CalendarWindow.objects.filter(label="Mars à juin 2025", start_month=3).exists()
    owner_action.refresh_from_db()
    assert owner_action.owner == staff_user  # the import never touches the owner


def test_dry_run_writes_nothing(seed):
    report = import_programme(parsed=seed, year=2025, acting_user=None, dry_run=True)
    assert report.counts["target"]["created"] == 34
    assert not Programme.objects.exists()
    assert not AuditEntry.objects.exists()


def test_vanished_action_and_axis_are_deleted(staff_user):
    text = "Programme 2030\nI Axe un\n1. PREMIERE\n2 rencontres.\n2. SECONDE\n4 journées.\nII Axe deux\n1. TROISIEME\n"
    import_programme(parsed=parse_text(text), year=2030, acting_user=staff_user)
    shorter = "Programme 2030\nI Axe un\n1. PREMIERE\n2 rencontres.\n"
    report = import_programme(parsed=parse_text(shorter), year=2030, acting_user=staff_user)
    assert report.counts["action"]["deleted"] == 1
    assert report.counts["axis"]["deleted"] == 1
    assert list(Action.objects.values_list("title", flat=True)) == ["Premiere"]


def test_command_on_seed(tmp_path):
    out = io.StringIO()
    call_command("import_programme", str(SEED), "--year", "2025", stdout=out)
    assert "7 axes, 27 actions, 34 objectifs chiffrés" in out.getvalue()
    out = io.StringIO()
    call_command("import_programme", str(SEED), "--year", "2025", stdout=out)
    assert "Aucun changement." in out.getvalue()
    out = io.StringIO()
    call_command("import_programme", str(SEED), "--dry-run", stdout=out)
    assert "Aucun changement." in out.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("absent.txt", None, "introuvable"),
        ("vide.txt", b"   \n", "vide"),
        ("liste.txt", b"Courses\n1. Pain\n", "chiffres romains"),
        ("programme.pdf", b"%PDF-1.4", "format non pris en charge"),
        ("casse.docx", b"PK\x03\x04 pas un docx", "docx"),
        ("binaire.txt", b"\x81\x8d\x8f\x90\x9d", "ni en UTF-8 ni en Windows-1252"),
        ("sans-annee.txt", b"Programme\nI Un axe\n1. UNE ACTION\n", "--year"),
    ],
)
def test_command_refuses_bad_input(tmp_path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CommandError, match=message) as error:
        call_command("import_programme", str(path), stdout=io.StringIO())
    assert name in str(error.value)
    assert not Programme.objects.exists()


def test_command_reads_windows_1252(tmp_path):
    path = Path(tmp_path / "cp1252.txt")
    path.write_bytes("Programme 2027\nI Évaluer\n1. DÉMARRER\n3 journées par an.\n".encode("cp1252"))
    call_command("import_programme", str(path), stdout=io.StringIO())
    assert Target.objects.get().quantity == 3
    assert Axis.objects.get().title == "Évaluer"
