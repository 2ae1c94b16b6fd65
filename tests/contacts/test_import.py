"""Contacts import, end to end, with files as people send them."""

import io

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from crpv.contacts.models import Organisation, OrganisationKind, Person, Position, Role, SuppressionReason
from crpv.contacts.operations import add_to_suppression_list, import_contacts
from crpv.core.imports import VALID_ROWS
from crpv.core.models import AuditEntry

from .conftest import make_csv, valid_siren, valid_siret

pytestmark = pytest.mark.django_db

HEADER = ["Nom", "Prénom", "Adresse mail", "Fonction", "Rôle", "Organisme", "SIRET", "CP", "Commune", "Tél."]


def row(
    last, first, email, organisation="Ville de Laon", siret="", postcode="2000", commune="Laon", role="", phone=""
):
    return [last, first, email, "Cheffe de projet", role, organisation, siret, postcode, commune, phone]


def counts():
    return Person.objects.count(), Organisation.objects.count(), Position.objects.count()


def test_excel_csv_creates_people_structures_and_positions(geography, staff_user):
    data = make_csv(
        [
            HEADER,
            row("Lefèvre", "Anaïs", "Anais.Lefevre@Laon.fr", role="chef de projet", phone="323000000"),
            row("Dubœuf", "Noël", "noel@laon.fr", role="élu"),
            [],
            row(
                "Martin",
                "Zoé",
                "zoe@amiens.fr",
                organisation="Centre social Étouvie",
                postcode="80080",
                commune="Amiens",
            ),
        ]
    )
    report = import_contacts(source=data, acting_user=staff_user, filename="contacts.csv")
    assert report.ok and report.written, report.errors
    assert counts() == (3, 2, 3)
    anais = Person.objects.get(email="anais.lefevre@laon.fr")
    assert (anais.first_name, anais.phone) == ("Anaïs", "03 23 00 00 00")
    laon = Organisation.objects.get(name="Ville de Laon")
    assert (laon.postcode, laon.commune) == ("02000", geography["laon"])
    assert set(laon.positions.values_list("role", flat=True)) == {Role.PROJECT_LEAD, Role.ELECTED}
    assert report.counts["personnes créées"] == 3 and report.counts["structures créées"] == 2
    audit = AuditEntry.objects.get(action="contacts.imported")
    assert audit.actor == staff_user and audit.details["filename"] == "contacts.csv"


def test_utf8_bom_comma_and_xlsx_give_the_same_result(geography, staff_user):
    rows = [HEADER, row("Durand", "Léa", "lea@x.fr", postcode="2100", commune="Saint-Quentin")]
    data = b"\xef\xbb\xbf" + make_csv(rows, encoding="utf-8", delimiter=",")
    assert import_contacts(source=data, acting_user=staff_user).ok
    workbook = openpyxl.Workbook()
    for values in [HEADER, row("Petit", "Jules", "jules@x.fr", postcode=2100, commune="Saint-Quentin")]:
        workbook.active.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = import_contacts(source=buffer.getvalue(), acting_user=staff_user)
    assert report.ok and report.file_format == "xlsx"
    assert set(Organisation.objects.values_list("postcode", "commune__code")) == {("02100", "02691")}
    assert Position.objects.count() == 2


def test_all_or_nothing_leaves_the_base_unchanged(geography, staff_user):
    Person.objects.create(last_name="Existant", email="existant@x.fr")
    before = counts()
    data = make_csv(
        [
            HEADER,
            row("Durand", "Léa", "lea@x.fr"),
            row("Martin", "Jean", "jean@"),
            row("Petit", "Jules", "jules@x.fr", postcode="ABC"),
        ]
    )
    report = import_contacts(source=data, acting_user=staff_user)
    assert not report.written
    assert counts() == before
    assert [str(e) for e in report.errors] == [
        "ligne 3, colonne « Adresse mail » : adresse électronique invalide (« jean@ »)",
        "ligne 4, colonne « CP » : code postal invalide (5 chiffres attendus) (« ABC »)",
    ]
    assert not AuditEntry.objects.filter(action="contacts.imported").exists()


def test_valid_rows_mode_imports_good_rows_and_writes_the_error_file(geography, staff_user, tmp_path):
    data = make_csv(
        [
            HEADER,
            row("Durand", "Léa", "lea@x.fr"),
            row('=HYPERLINK("http://evil")', "+Jean", "@jean"),
            row("Petit", "Jules", "jules@x.fr"),
        ]
    )
    report = import_contacts(source=data, acting_user=staff_user, mode=VALID_ROWS)
    assert report.written
    assert set(Person.objects.values_list("email", flat=True)) == {"lea@x.fr", "jules@x.fr"}
    path = tmp_path / "erreurs.csv"
    report.write_error_file(path)
    text = path.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in text and ";'+Jean;'@jean;" in text
    assert "adresse électronique invalide" in text


def test_duplicates_in_the_file_are_errors(geography, staff_user):
    data = make_csv(
        [
            HEADER,
            row("Durand", "Léa", "lea@x.fr"),
            row("Durand", "Léa", "LEA@X.FR"),
            row("Sans", "Courriel", ""),
            row("Sans", "Courriel", ""),
        ]
    )
    report = import_contacts(source=data, acting_user=staff_user)
    assert [(e.line, e.column) for e in report.errors] == [(3, "Adresse mail"), (5, "Nom")]
    assert "déjà ligne 2" in report.errors[0].reason
    assert Person.objects.count() == 0


def test_same_email_as_the_base_updates_the_person(geography, staff_user):
    person = Person.objects.create(first_name="L.", last_name="Durand", email="lea@x.fr")
    data = make_csv([HEADER, row("Durand", "Léa", "Lea@X.fr", phone="0323000000")])
    report = import_contacts(source=data, acting_user=staff_user)
    assert report.ok
    person.refresh_from_db()
    assert (person.first_name, person.phone) == ("Léa", "03 23 00 00 00")
    assert Person.objects.count() == 1 and person.positions.count() == 1
    # Importing the same file again changes nothing.
    report = import_contacts(source=data, acting_user=staff_user)
    assert counts() == (1, 1, 1)
    assert report.counts["personnes déjà présentes"] == 1 and report.counts.get("postes créés") == 0


def test_existing_people_can_be_skipped(geography, staff_user):
    Person.objects.create(last_name="Durand", email="lea@x.fr")
    report = import_contacts(
        source=make_csv([HEADER, row("Durand", "Léa", "lea@x.fr")]), acting_user=staff_user, existing="skip"
    )
    assert report.counts["ignorées (déjà dans la base)"] == 1
    assert Position.objects.count() == 0


def test_similar_name_in_the_same_structure_is_proposed_for_merge(geography, staff_user):
    organisation = Organisation.objects.create(name="Ville de Laon", postcode="02000", commune=geography["laon"])
    known = Person.objects.create(first_name="Anaïs", last_name="Lefèvre")
    Position.objects.create(person=known, organisation=organisation)
    data = make_csv([HEADER, row("Lefebvre", "Anaïs", "anais@laon.fr"), row("Lefèvre", "Anaïs", "")])
    report = import_contacts(source=data, acting_user=staff_user)
    assert report.ok
    # Line 2: close name, new person created and proposed for merge.
    assert [(line, pk) for line, pk, _ in report.merge_candidates] == [(2, known.pk)]
    assert any("fusion à examiner" in str(n) for n in report.notices)
    # Line 3: exact name, no e-mail, same structure: the same person.
    assert Person.objects.count() == 2
    assert Organisation.objects.count() == 1


def test_structures_matched_by_siret_then_name_and_commune(geography, staff_user):
    siren = valid_siren("27590001")
    siret = valid_siret(siren, "0012")
    by_siret = Organisation.objects.create(name="Département du Nord", siret=siret)
    by_name = Organisation.objects.create(name="Mairie de Laon", commune=geography["laon"])
    data = make_csv(
        [
            HEADER,
            row("A", "A", "a@x.fr", organisation="CD 59", siret=f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}"),
            row("B", "B", "b@x.fr", organisation="MAIRIE DE LAON"),
            row(
                "C",
                "C",
                "c@x.fr",
                organisation=geography["epci"].name,
                siret=valid_siret(geography["epci"].code, "0001"),
            ),
        ]
    )
    report = import_contacts(source=data, acting_user=staff_user)
    assert report.ok, report.errors
    assert Person.objects.get(email="a@x.fr").positions.get().organisation == by_siret
    assert Person.objects.get(email="b@x.fr").positions.get().organisation == by_name
    agglo = Person.objects.get(email="c@x.fr").positions.get().organisation
    assert agglo.kind == OrganisationKind.EPCI and list(agglo.epcis.all()) == [geography["epci"]]


def test_invalid_siret_is_an_error(geography, staff_user):
    report = import_contacts(
        source=make_csv([HEADER, row("A", "A", "a@x.fr", siret="12345678901234")]), acting_user=staff_user
    )
    assert report.errors[0].column == "SIRET" and "SIRET invalide" in report.errors[0].reason


def test_suppression_list_is_respected(geography, staff_user):
    add_to_suppression_list(email="efface@x.fr", reason=SuppressionReason.ERASURE, acting_user=staff_user)
    data = make_csv([HEADER, row("Effacé", "Paul", "EFFACE@x.fr"), row("Durand", "Léa", "lea@x.fr")])
    report = import_contacts(source=data, acting_user=staff_user)
    assert report.ok
    assert list(Person.objects.values_list("email", flat=True)) == ["lea@x.fr"]
    assert report.counts["ignorées (liste d'exclusion)"] == 1
    assert "liste d'exclusion" in str(report.notices[-1]) and report.notices[-1].line == 2


def test_dry_run_writes_nothing(geography, staff_user):
    report = import_contacts(
        source=make_csv([HEADER, row("Durand", "Léa", "lea@x.fr")]), acting_user=staff_user, dry_run=True
    )
    assert report.ok and not report.written
    assert counts() == (0, 0, 0)


def test_many_rows_in_several_batches(geography, staff_user):
    rows = [HEADER] + [row(f"Nom{i}", "Prénom", f"p{i}@x.fr", organisation=f"Structure {i % 7}") for i in range(2500)]
    report = import_contacts(source=make_csv(rows), acting_user=staff_user, batch_size=300)
    assert report.ok
    assert counts() == (2500, 7, 2500)


# --- the command ------------------------------------------------------------------


def test_command_imports_and_exits_zero(geography, tmp_path, capsys):
    path = tmp_path / "contacts.csv"
    path.write_bytes(make_csv([HEADER, row("Durand", "Léa", "lea@x.fr")]))
    call_command("import_contacts", str(path))
    assert "Import terminé" in capsys.readouterr().out
    assert Person.objects.count() == 1


def test_command_refuses_with_the_error_lines(geography, tmp_path, capsys):
    path = tmp_path / "contacts.csv"
    path.write_bytes(make_csv([HEADER, row("Durand", "Léa", "lea@x.fr"), *[[]] * 9, row("Martin", "Jean", "jean@")]))
    errors = tmp_path / "erreurs.csv"
    with pytest.raises(CommandError) as refused:
        call_command("import_contacts", str(path), "--errors-file", str(errors))
    assert "rien n'a été enregistré" in str(refused.value)
    assert "ligne 12, colonne « Adresse mail » : adresse électronique invalide (« jean@ »)" in capsys.readouterr().err
    assert Person.objects.count() == 0
    assert "jean@" in errors.read_text(encoding="utf-8-sig")


def test_command_valid_rows_only_and_dry_run(geography, tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_bytes(make_csv([HEADER, row("Durand", "Léa", "lea@x.fr"), row("Martin", "Jean", "jean@")]))
    call_command("import_contacts", str(path), "--valid-rows-only", "--dry-run")
    assert Person.objects.count() == 0
    call_command("import_contacts", str(path), "--valid-rows-only")
    assert Person.objects.count() == 1


def test_command_refuses_an_unknown_encoding_with_status_1(geography, tmp_path):
    bad = tmp_path / "ko.csv"
    bad.write_bytes("Nom;Prénom\n".encode("utf-16"))
    with pytest.raises(CommandError) as refused:
        call_command("import_contacts", str(bad))
    # manage.py turns a CommandError into this exit status.
    assert refused.value.returncode == 1
    assert "UTF-16" in str(refused.value)
