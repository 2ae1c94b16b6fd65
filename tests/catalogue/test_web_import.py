"""Staff web import of records: upload, preview with every bad record, both modes, report, index."""

import lxml.html
import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pymarc import record_to_xml

from crpv.catalogue import desk
from crpv.catalogue.models import ImportBatch, Record, RecordUpload
from crpv.catalogue.search import search_records

from .conftest import marc21_record

pytestmark = pytest.mark.django_db

RIS = "\n".join(
    [
        "TY  - BOOK",
        "TI  - Habiter les quartiers prioritaires",
        "AU  - Dupont, Jean",
        "PY  - 2021",
        "ER  - ",
        "",
        "TY  - BOOK",
        "AU  - Sans, Titre",
        "PY  - 2020",
        "ER  - ",
        "",
        "TY  - RPRT",
        "TI  - Rapport sur la mixité sociale",
        "PY  - 2019",
        "ER  - ",
        "",
    ]
).encode()


def marcxml_file():
    bad = marc21_record(title="x", ident="LC2", isbn="")
    bad.remove_fields("245")
    records = [marc21_record(), bad, marc21_record(title="La ville inclusive", isbn="", ident="LC3")]
    body = b"".join(record_to_xml(r, namespace=False) for r in records)
    return b'<?xml version="1.0" encoding="UTF-8"?><collection xmlns="http://www.loc.gov/MARC21/slim">' + (
        body + b"</collection>"
    )


def page(response):
    return lxml.html.fromstring(response.content)


def text(element):
    return " ".join(element.text_content().split())


def upload(client, data, name, file_format=""):
    response = client.post(
        reverse("desk:import_upload"), {"file": SimpleUploadedFile(name, data), "file_format": file_format}
    )
    assert response.status_code == 302, response.content
    return RecordUpload.objects.latest("pk")


def test_upload_page(documentaliste):
    html = page(documentaliste.get(reverse("desk:import_upload")))
    assert len(html.xpath("//h1")) == 1
    assert html.xpath('//label[@for="id_file"]') and html.xpath('//select[@name="file_format"]')


def test_preview_lists_counts_first_records_and_every_bad_record(documentaliste):
    record_upload = upload(documentaliste, RIS, "export.ris")
    assert record_upload.file_format == "ris"  # detected
    assert record_upload.file.name.startswith("catalogue/imports/") and "export" not in record_upload.file.name
    html = page(documentaliste.get(reverse("desk:import_preview", args=[record_upload.pk])))
    facts = text(html.xpath('//*[@id="compteurs"]')[0])
    assert "Notices lues 3" in facts and "Notices en erreur 1" in facts and "Notices valides à créer 2" in facts
    rows = [[text(c) for c in tr] for tr in html.xpath('//table[@id="notices-en-erreur"]/tbody/tr')]
    assert rows == [["2", "titre absent"]]
    titles = [text(td) for td in html.xpath('//table[@id="premieres-notices"]/tbody/tr/td[1]')]
    assert titles == ["Habiter les quartiers prioritaires", "Rapport sur la mixité sociale"]
    assert not Record.objects.exists() and not ImportBatch.objects.exists()


def test_all_or_nothing_refuses_then_valid_only_imports_and_indexes(documentaliste):
    record_upload = upload(documentaliste, RIS, "export.ris", "ris")
    url = reverse("desk:import_preview", args=[record_upload.pk])
    response = documentaliste.post(url, {"mode": "all_or_nothing"}, follow=True)
    assert "lot refusé" in text(page(response))
    assert not Record.objects.exists() and not ImportBatch.objects.exists()

    response = documentaliste.post(url, {"mode": "valid_only"})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("desk:import_report", args=[batch.pk])
    assert Record.objects.count() == 2 and batch.created_by.username == "camille"
    record_upload.refresh_from_db()
    assert record_upload.batch == batch
    html = page(documentaliste.get(response["Location"]))
    assert [[text(c) for c in tr] for tr in html.xpath('//table[@id="notices-en-erreur"]/tbody/tr')] == [
        ["2", "titre absent"]
    ]
    assert len(html.xpath("//h2[text()='Notices créées']/following-sibling::ul[1]/li")) == 2
    # The full-text index knows the new records at once.
    assert search_records(Record.objects.alive(), "mixité").total == 1
    # The file is imported once only: the preview now leads to the report.
    assert documentaliste.post(url, {"mode": "valid_only"})["Location"] == response["Location"]
    assert Record.objects.count() == 2


def test_marcxml_with_one_bad_record(documentaliste):
    record_upload = upload(documentaliste, marcxml_file(), "notices.xml")
    assert record_upload.file_format == "marcxml"
    html = page(documentaliste.get(reverse("desk:import_preview", args=[record_upload.pk])))
    rows = [[text(c) for c in tr] for tr in html.xpath('//table[@id="notices-en-erreur"]/tbody/tr')]
    assert [r[0] for r in rows] == ["2"] and rows[0][1]
    documentaliste.post(reverse("desk:import_preview", args=[record_upload.pk]), {"mode": "valid_only"})
    assert sorted(Record.objects.values_list("title", flat=True)) == ["La ville inclusive", "The social city"]


def test_duplicates_are_shown_in_the_preview(documentaliste):
    Record.objects.create(title="Habiter les quartiers prioritaires", publication_year=2021)
    record_upload = upload(documentaliste, RIS, "export.ris")
    html = page(documentaliste.get(reverse("desk:import_preview", args=[record_upload.pk])))
    rows = html.xpath('//table[@id="doublons"]/tbody/tr')
    assert len(rows) == 1 and text(rows[0].xpath("th")[0]) == "1"


def test_refused_uploads(documentaliste, settings):
    response = documentaliste.post(
        reverse("desk:import_upload"), {"file": SimpleUploadedFile("vide.ris", b""), "file_format": ""}
    )
    assert response.status_code == 400
    settings.CRPV_MAX_UPLOAD_MB = 0.0001
    response = documentaliste.post(
        reverse("desk:import_upload"), {"file": SimpleUploadedFile("gros.ris", RIS), "file_format": "ris"}
    )
    assert response.status_code == 400
    assert "taille maximale" in text(page(response).xpath('//*[@id="id_file_erreur"]')[0])
    settings.CRPV_MAX_UPLOAD_MB = 20
    response = documentaliste.post(
        reverse("desk:import_upload"), {"file": SimpleUploadedFile("x.bin", b"\x00\x01\x02"), "file_format": ""}
    )
    assert "Format non reconnu" in text(page(response).xpath('//*[@id="id_file_format_erreur"]')[0])
    assert not RecordUpload.objects.exists()


def test_uploads_are_private_to_their_author(documentaliste, django_user_model):
    record_upload = upload(documentaliste, RIS, "export.ris")
    other = django_user_model.objects.create_user(username="dominique", password="x", is_staff=True)
    other.groups.add(Group.objects.get(name="documentaliste"))
    documentaliste.force_login(other)
    assert documentaliste.get(reverse("desk:import_preview", args=[record_upload.pk])).status_code == 404


@pytest.mark.parametrize(
    ("head", "name", "expected"),
    [
        (b"<?xml version='1.0'?><collection/>", "a.xml", "marcxml"),
        (b"TY  - BOOK\r\n", "a.txt", "ris"),
        (b"@book{x,", "a.txt", "bibtex"),
        (b"titre;auteur\n", "a.csv", "csv"),
        (b"\x00\x01", "a.bin", ""),
    ],
)
def test_detect_format(head, name, expected):
    assert desk.detect_format(head, name) == expected


def test_detect_iso2709_flavours():
    from .conftest import unimarc_record

    assert desk.detect_format(marc21_record().as_marc()) == "marc21"
    assert desk.detect_format(unimarc_record().as_marc()) == "unimarc"
