"""Import screens: upload → columns → preview → background run → result and error file."""

import csv
import io

import lxml.html
import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from crpv.contacts.models import ContactImport, Organisation, Person, Position

from .conftest import make_csv

pytestmark = pytest.mark.django_db

HEADER = ["NOM", "Prénom", "Mél", "Organisme", "CP", "Ville", "Poste occupé", "Observations"]
ROWS = [
    ["Lefèvre", "Anaïs", "anais@laon.example", "Ville de Laon", "2000", "Laon", "Cheffe de projet", "rien"],
    ["Dubœuf", "Noël", "pas-une-adresse", "Ville de Laon", "2000", "Laon", "Élu", ""],
    ["Martin", "Zoé", "zoe@amiens.example", "Centre social Étouvie", "80080", "Amiens", "Directrice", ""],
    ['=HYPERLINK("x")', "Zoé", "zoe@amiens.example", "Centre social Étouvie", "80080", "Amiens", "", ""],
    ["Existant", "Jean", "jean@base.example", "Ville de Laon", "2000", "Laon", "Agent", ""],
]


def page(response):
    assert response.status_code == 200, response.status_code
    return lxml.html.fromstring(response.content.decode())


def cells(tree, caption):
    table = tree.xpath(f"//table[caption[starts-with(normalize-space(.), '{caption}')]]")[0]
    return [[" ".join(c.text_content().split()) for c in tr.xpath("./th|./td")] for tr in table.xpath(".//tbody/tr")]


def upload(client, data=None, name="contacts excel.csv"):
    data = data if data is not None else make_csv([HEADER, *ROWS])  # Windows-1252, `;`
    return client.post(reverse("contacts:import_upload"), {"file": SimpleUploadedFile(name, data)})


def run(client, contact_import, mode, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("contacts:import_preview", args=[contact_import.pk]), {"mode": mode, "existing": "update"}
        )
    assert response["Location"] == reverse("contacts:import_detail", args=[contact_import.pk])
    contact_import.refresh_from_db()
    return contact_import


@pytest.fixture
def existing(geography):
    return Person.objects.create(first_name="Jean", last_name="Existant", email="jean@base.example")


def check_file(staff_client):
    response = upload(staff_client)
    contact_import = ContactImport.objects.get()
    assert response["Location"] == reverse("contacts:import_mapping", args=[contact_import.pk])
    assert "excel" not in contact_import.file.name and contact_import.original_name == "contacts excel.csv"
    mapping = page(staff_client.get(response["Location"]))
    assert mapping.xpath("//fieldset/legend/text()")[0].startswith("Autres colonnes")
    labels = [" ".join(x.text_content().split()) for x in mapping.xpath("//fieldset//label")]
    assert labels == ["Poste occupé", "Observations"]
    assert ["NOM", "last_name"] in cells(mapping, "Colonnes reconnues")
    response = staff_client.post(response["Location"], {"col_0": "function_title", "col_1": ""})
    assert response["Location"] == reverse("contacts:import_preview", args=[contact_import.pk])
    contact_import.refresh_from_db()
    assert contact_import.mapping == {"Poste occupé": "function_title"}
    return contact_import, page(staff_client.get(response["Location"]))


def test_preview_lists_errors_duplicates_and_first_rows(staff_client, existing):
    contact_import, preview = check_file(staff_client)
    errors = cells(preview, "Erreurs par ligne")
    assert ["3", "Mél", "pas-une-adresse", "adresse électronique invalide"] in errors
    assert any(row[0] == "5" and "en double dans le fichier (déjà ligne 4)" in row[3] for row in errors)
    notices = cells(preview, "Remarques")
    assert any(row[0] == "6" and "déjà dans la base" in row[3] for row in notices)
    assert any(row[1] == "Observations" and "ignorée" in row[3] for row in notices)
    figures = [" ".join(li.text_content().split()) for li in preview.xpath("//ul[@class='figures']/li")]
    assert figures[:4] == ["5 lignes lues", "3 lignes valides", "2 lignes en erreur", "1 personnes déjà dans la base"]
    first_rows = cells(preview, "Premières lignes")
    assert first_rows[0][1:4] == ["Lefèvre", "Anaïs", "anais@laon.example"]
    assert "Cheffe de projet" in first_rows[0]  # the mapped column
    assert preview.xpath("//input[@name='mode'][@checked]/@value") == ["all_or_nothing"]
    assert Person.objects.count() == 1  # nothing written by the preview


def test_all_or_nothing_writes_nothing_and_offers_the_error_file(
    staff_client, existing, django_capture_on_commit_callbacks
):
    contact_import, _ = check_file(staff_client)
    contact_import = run(staff_client, contact_import, "all_or_nothing", django_capture_on_commit_callbacks)
    assert contact_import.status == ContactImport.Status.DONE
    assert (Person.objects.count(), Organisation.objects.count()) == (1, 0)
    result = page(staff_client.get(reverse("contacts:import_detail", args=[contact_import.pk])))
    assert "Rien n'a été enregistré" in result.xpath("//div[@role='status']")[0].text_content()
    link = result.xpath("//a[contains(., 'lignes en erreur')]/@href")[0]
    response = staff_client.get(link)
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][0] == "ligne" and [r[0] for r in rows[1:]] == ["3", "5"]
    assert rows[2][1] == '\'=HYPERLINK("x")'  # formula-safe


def test_valid_rows_mode_imports_the_good_lines(
    staff_client, staff_user, existing, django_capture_on_commit_callbacks
):
    contact_import, _ = check_file(staff_client)
    contact_import = run(staff_client, contact_import, "valid_rows", django_capture_on_commit_callbacks)
    assert contact_import.status == ContactImport.Status.DONE and contact_import.report["written"]
    assert sorted(Person.objects.values_list("last_name", flat=True)) == ["Existant", "Lefèvre", "Martin"]
    assert Person.objects.get(last_name="Lefèvre").function_title == "Cheffe de projet"
    assert Position.objects.filter(person=existing).count() == 1
    progress = staff_client.get(reverse("contacts:import_progress", args=[contact_import.pk]), HTTP_HX_REQUEST="true")
    assert progress["HX-Refresh"] == "true"
    bar = lxml.html.fromstring(progress.content.decode())
    assert bar.xpath("//progress/@value") == ["100"]


def test_progress_is_polled_while_the_import_runs(staff_client, existing):
    contact_import, _ = check_file(staff_client)
    ContactImport.objects.filter(pk=contact_import.pk).update(status=ContactImport.Status.RUNNING)
    tree = page(staff_client.get(reverse("contacts:import_detail", args=[contact_import.pk])))
    poller = tree.xpath("//*[@id='progression']")[0]
    assert poller.get("hx-trigger") == "every 1s"
    assert poller.get("hx-get") == reverse("contacts:import_progress", args=[contact_import.pk])
    assert tree.xpath("//*[@id='progression']//*[@aria-live='polite']")


def test_imports_are_private_to_their_author_and_administrators(staff_client, existing, django_user_model):
    contact_import, _ = check_file(staff_client)
    colleague = django_user_model.objects.create_user(username="colleague", password="x" * 16, is_staff=True)
    colleague.groups.add(Group.objects.get(name="chargé·e de mission"))
    other = Client()
    other.force_login(colleague)
    for name in ("import_detail", "import_preview", "import_mapping", "import_progress", "import_errors"):
        assert other.get(reverse(f"contacts:{name}", args=[contact_import.pk])).status_code == 404, name
    assert not page(other.get(reverse("contacts:import_upload"))).xpath("//tbody//a")
    admin = django_user_model.objects.create_user(username="admin", password="x" * 16, is_staff=True)
    admin.groups.add(Group.objects.get(name="administrateur"))
    other.force_login(admin)
    assert other.get(reverse("contacts:import_detail", args=[contact_import.pk])).status_code == 200


def test_upload_refuses_large_files_and_other_formats(staff_client, settings, geography):
    response = upload(staff_client, name="virus.exe")
    assert "Seuls les fichiers CSV et XLSX" in page(response).xpath("//*[@id='id_file_erreur']")[0].text_content()
    settings.CRPV_MAX_UPLOAD_MB = 0
    response = upload(staff_client)
    assert "taille maximale" in page(response).xpath("//*[@id='id_file_erreur']")[0].text_content()
    assert not ContactImport.objects.exists()


def test_a_file_without_a_header_row_is_refused_clearly(staff_client, geography):
    upload(staff_client, data=b"\x00\x01binary")
    contact_import = ContactImport.objects.get()
    tree = page(staff_client.get(reverse("contacts:import_mapping", args=[contact_import.pk])))
    assert tree.xpath("//h1")[0].text_content() == "Fichier refusé"
