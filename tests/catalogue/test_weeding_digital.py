"""Digital weeding: a read-only scan of the server folder, its report and the bordereau d'élimination."""

import datetime
import hashlib
import io
import os
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from crpv.catalogue.models import Attachment, DigitalScan, Record
from crpv.catalogue.weeding.digital import scan_folder

pytestmark = pytest.mark.django_db
OLD = datetime.datetime(2010, 1, 1, tzinfo=datetime.UTC).timestamp()


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "serveur"
    (root / "productions").mkdir(parents=True)
    (root / "archives").mkdir()
    (root / "productions" / "guide.pdf").write_bytes(b"guide v1")
    (root / "archives" / "guide-copie.pdf").write_bytes(b"guide v1")
    (root / "archives" / "vieux.doc").write_bytes(b"compte rendu 2009")
    os.utime(root / "archives" / "vieux.doc", (OLD, OLD))
    (root / "productions" / "replay.mp4").write_bytes(b"x" * 2 * 1024 * 1024)
    (root / "productions" / "fiche.pdf").write_bytes(b"fiche en ligne")
    outside = tmp_path / "ailleurs"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(b"hors du dossier")
    (root / "lien-fichier").symlink_to(outside / "secret.txt")
    (root / "lien-dossier").symlink_to(outside, target_is_directory=True)
    record = Record.objects.create(title="Fiche", record_type="fiche")
    Attachment.objects.create(record=record, file=ContentFile(b"fiche en ligne", name="fiche.pdf"))
    return root


def snapshot(root):
    """Every path under root with its bytes and mtime, without following links."""
    state = {}
    for directory, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            path = os.path.join(directory, name)
            info = os.lstat(path)
            content = open(path, "rb").read() if os.path.isfile(path) and not os.path.islink(path) else None  # noqa: SIM115
            state[os.path.relpath(path, root)] = (info.st_mode, info.st_size, info.st_mtime_ns, content)
    return state


def test_scan_classifies_and_never_changes_the_folder(folder):
    before = snapshot(folder)
    result = scan_folder(folder, older_than_years=10, larger_than_mb=1)
    assert snapshot(folder) == before
    files = {f.path: f for f in result.files}
    assert set(files) == {
        "archives/guide-copie.pdf",
        "archives/vieux.doc",
        "productions/guide.pdf",
        "productions/replay.mp4",
        "productions/fiche.pdf",
    }
    assert files["productions/guide.pdf"].sha256 == hashlib.sha256(b"guide v1").hexdigest()
    assert "doublon" in files["productions/guide.pdf"].kinds and "doublon" in files["archives/guide-copie.pdf"].kinds
    assert files["archives/vieux.doc"].kinds == ["ancien", "orphelin"]
    assert "volumineux" in files["productions/replay.mp4"].kinds
    assert "orphelin" not in files["productions/fiche.pdf"].kinds  # held by a record
    assert sum(f.proposed for f in (files["productions/guide.pdf"], files["archives/guide-copie.pdf"])) == 1
    assert files["archives/vieux.doc"].proposed
    assert not files["productions/replay.mp4"].proposed
    skipped = dict(result.skipped)
    assert set(skipped) == {"lien-fichier", "lien-dossier"}
    assert all("secret" not in f.path for f in result.files)


def test_command_is_dry_by_default_and_never_deletes(folder):
    before = snapshot(folder)
    out = StringIO()
    call_command("scan_digital_files", "--root", str(folder), "--larger-than-mb", "1", stdout=out)
    assert "simulation" in out.getvalue() and "archives/vieux.doc" in out.getvalue()
    assert not DigitalScan.objects.exists()
    call_command("scan_digital_files", "--root", str(folder), "--larger-than-mb", "1", "--wet-run", stdout=out)
    scan = DigitalScan.objects.get()
    assert scan.file_count == 5
    assert scan.findings.filter(proposed_for_elimination=True).count() == 2
    assert snapshot(folder) == before


def test_missing_folder(tmp_path):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="introuvable"):
        call_command("scan_digital_files", "--root", str(tmp_path / "absent"), stdout=StringIO())


def test_default_root_is_the_setting(folder, settings):
    settings.CRPV_DIGITAL_WEEDING_ROOT = str(folder)
    assert len(scan_folder().files) == 5


def test_scan_pages_and_bordereau(folder, staff_user, client):
    staff_user.groups.set([Group.objects.get(name="documentaliste")])
    client.force_login(staff_user)
    call_command("scan_digital_files", "--root", str(folder), "--wet-run", stdout=StringIO())
    scan = DigitalScan.objects.get()
    response = client.get(reverse("weeding:scans"))
    assert reverse("weeding:scan", args=[scan.pk]) in response.content.decode()
    response = client.get(reverse("weeding:scan", args=[scan.pk]))
    html = response.content.decode()
    assert "archives/vieux.doc" in html and "lien-dossier" in html
    assert hashlib.sha256(b"compte rendu 2009").hexdigest() in html

    response = client.get(reverse("weeding:bordereau_pdf", args=[scan.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")

    response = client.get(reverse("weeding:bordereau_xlsx", args=[scan.pk]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "chemin"
    paths = {r[0] for r in rows[1:]}
    assert "archives/vieux.doc" in paths and len(paths) == 2
    assert hashlib.sha256(b"compte rendu 2009").hexdigest() in {r[3] for r in rows[1:]}
