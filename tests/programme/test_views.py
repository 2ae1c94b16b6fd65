import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crpv.core.exports import safe_cell, write_csv
from crpv.programme import achievements
from crpv.programme.models import Action, Axis, Partner, Programme, ProgrammeImport, Target
from crpv.programme.operations import import_programme

from .conftest import SEED

pytestmark = pytest.mark.django_db


def make_programme(actions=2, targets=2, year=2025):
    programme = Programme.objects.get_or_create(year=year)[0]
    axis = Axis.objects.get_or_create(programme=programme, number=1, defaults={"roman": "I", "title": "Axe"})[0]
    partner = Partner.objects.get_or_create(name='=HYPERLINK("http://evil.example","clic")')[0]
    start = axis.actions.count()
    for a in range(start + 1, start + actions + 1):
        action = Action.objects.create(axis=axis, number=a, position=a, title=f"Action {a}")
        action.partners.add(partner)
        action.calendar.create(label="Février à juin 2025", start_month=2, end_month=6)
        for t in range(1, targets + 1):
            Target.objects.create(action=action, position=t, quantity=4, unit="journee", source="@SUM(1+1)")
    return programme


def test_dashboard_requires_staff(client, django_user_model):
    url = reverse("programme:dashboard")
    assert client.get(url).status_code == 302
    user = django_user_model.objects.create_user("visiteur", password="x" * 12)
    client.force_login(user)
    assert client.get(url).status_code == 302  # not staff: to the login page


def test_dashboard_empty(staff_client):
    response = staff_client.get(reverse("programme:dashboard"))
    assert response.status_code == 200
    assert "Aucun programme" in response.content.decode()


def test_dashboard_seed(staff_client, seed):
    import_programme(parsed=seed, year=2025, acting_user=None)
    response = staff_client.get(reverse("programme:dashboard"))
    html = response.content.decode()
    assert html.count("<h1>") == 1
    assert "I.6 Déploiement du module Initiation à la Politique de la ville" in html
    assert "4 à 5 territoires" in html
    assert "environ 30 participants" in html
    assert "<caption>Objectifs chiffrés de l'action II.4</caption>" in html
    assert "0 %" in html and "(0 sur 5)" in html
    assert staff_client.get(reverse("programme:dashboard") + "?annee=1999").status_code == 404
    assert staff_client.get(reverse("programme:dashboard") + "?annee=abc").status_code == 404


def test_dashboard_query_count_is_constant(staff_client, django_assert_num_queries):
    make_programme(actions=2, targets=1)
    url = reverse("programme:dashboard")
    staff_client.get(url)  # warm the session and permission caches
    with CaptureQueriesContext(connection) as small:
        staff_client.get(url)
    # session, user, permissions, programme tree (7), plus what achievement providers need
    assert len(small.captured_queries) <= 20
    make_programme(actions=10, targets=4)
    with django_assert_num_queries(len(small.captured_queries)):
        staff_client.get(url)


def test_achievement_provider(staff_client):
    programme = make_programme(actions=1, targets=2)
    first, second = Target.objects.filter(action__axis__programme=programme).order_by("position")
    before = achievements.providers()
    # Providers of installed apps (events) count nothing for targets without events.
    assert achievements.achieved_for([first, second]) == {first.pk: 0, second.pk: 0}

    def provider(targets):
        return {first.pk: 3}

    achievements.register("test", provider)
    try:
        assert achievements.progress([first, second]) == {first.pk: (3, 75), second.pk: (0, 0)}
        html = staff_client.get(reverse("programme:dashboard")).content.decode()
        assert "75 %" in html
        assert 'value="3"' in html
    finally:
        achievements.unregister("test")
    assert achievements.providers() == before


def test_export_xlsx_neutralises_formulas(staff_client):
    make_programme(actions=1, targets=1)
    response = staff_client.get(reverse("programme:export_xlsx"))
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="programme-2025.xlsx"'
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "axe"
    assert rows[1][4] == '\'=HYPERLINK("http://evil.example","clic")'
    assert rows[1][14] == "'@SUM(1+1)"
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+33 1", "'+33 1"),
        ("-2", "'-2"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Lille", "Lille"),
        (5, 5),
        (None, ""),
    ],
)
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_csv_is_safe():
    assert write_csv(["nom"], [["=cmd|' /C calc'!A0"]]).splitlines()[1] == "'=cmd|' /C calc'!A0"


def test_import_upload_review_confirm(staff_client, staff_user, seed_bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    url = reverse("programme:import_upload")
    assert staff_client.get(url).status_code == 200
    upload = SimpleUploadedFile("programme-2025-irev.txt", seed_bytes, content_type="text/plain")
    response = staff_client.post(url, {"file": upload, "year": ""})
    pending = ProgrammeImport.objects.get()
    assert response.status_code == 302 and response.url == reverse("programme:import_review", args=[pending.pk])
    assert pending.year == 2025 and len(pending.sha256) == 64

    review = staff_client.get(response.url).content.decode()
    assert "7 axes, 27 actions, 34 objectifs chiffrés lus" in review
    assert "Cinq sessions du module pourront être déployées" in review
    assert "× journée (par an, non précisé)" in review  # French labels, not codes
    assert not Programme.objects.exists()  # the review is a dry run

    confirm = reverse("programme:import_confirm", args=[pending.pk])
    assert staff_client.get(confirm).status_code == 405
    response = staff_client.post(confirm)
    assert response.status_code == 302
    assert Target.objects.count() == 34
    pending.refresh_from_db()
    assert pending.status == "applied" and pending.report["counts"]["target"]["created"] == 34
    assert staff_client.post(confirm).status_code == 404  # applied once only


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("programme.pdf", b"%PDF", "Le fichier doit être en .txt ou .docx."),
        ("vide.txt", b"  ", "Le fichier est vide."),
        ("liste.txt", b"Courses\n1. Pain\n", "chiffres romains"),
        ("casse.docx", b"PK\x03\x04abc", "docx est illisible"),
    ],
)
def test_import_upload_rejects_bad_files(staff_client, name, content, message):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = staff_client.post(reverse("programme:import_upload"), {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert 'aria-invalid="true"' in html
    assert not ProgrammeImport.objects.exists()


def test_import_needs_permission(client, django_user_model):
    user = django_user_model.objects.create_user("stagiaire", password="x" * 12, is_staff=True)
    client.force_login(user)
    assert client.get(reverse("programme:import_upload")).status_code == 403
    assert client.get(reverse("programme:dashboard")).status_code == 403


def test_other_users_draft_is_not_reachable(staff_client, django_user_model):
    other = django_user_model.objects.create_user("autre", password="x" * 12)
    pending = ProgrammeImport.objects.create(created_by=other, year=2025, filename="x.txt", sha256="0" * 64, parsed={})
    assert staff_client.get(reverse("programme:import_review", args=[pending.pk])).status_code == 404


def test_admin_pages(admin_client, seed):
    import_programme(parsed=seed, year=2025, acting_user=None)
    action = Action.objects.get(axis__number=2, position=4)
    for url in (
        reverse("admin:programme_programme_changelist"),
        reverse("admin:programme_programme_change", args=[action.axis.programme.pk]),
        reverse("admin:programme_axis_change", args=[action.axis.pk]),
        reverse("admin:programme_action_change", args=[action.pk]),
        reverse("admin:programme_action_changelist"),
        reverse("admin:programme_target_changelist"),
        reverse("admin:programme_partner_changelist"),
        reverse("admin:programme_programmeimport_changelist"),
    ):
        assert admin_client.get(url).status_code == 200, url


def test_seed_path_exists():
    assert SEED.name == "programme-2025-irev.txt"
