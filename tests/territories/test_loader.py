"""`load_referentiel`: real files, official format, errors, idempotence, dry run, staff decisions."""

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from crpv.core.models import AuditEntry
from crpv.territories.models import Commune, ContratDeVille, DataSource, Departement, Epci, Qpv, Region
from crpv.territories.referentiel import ReferentielError, read_cog_extract, read_referentiel
from tests.territories.conftest import OFFICIAL_ROWS, write_official

TWO_EPCI_QPV = {"QN05920M", "QN05921M", "QN05922M", "QN05930M"}


def run(*args):
    out = StringIO()
    call_command("load_referentiel", *args, stdout=out)
    return out.getvalue()


def table_counts():
    return {m.__name__: m.objects.count() for m in (Region, Departement, Epci, Commune, ContratDeVille, Qpv)}


def test_vendored_extract_matches_manifest():
    manifest, extract = read_cog_extract()
    assert manifest["version"] == "6.0.0"
    assert manifest["cog_year"] == 2026
    assert manifest["tarball"]["integrity"].startswith("sha512-")
    assert (len(extract["departements"]), len(extract["communes"]), len(extract["epcis"])) == (5, 3782, 92)


def test_tampered_extract_is_refused(tmp_path):
    from crpv.territories.referentiel import DATA_DIR

    manifest = (DATA_DIR / "manifest.json").read_text()
    (tmp_path / "manifest.json").write_text(manifest.replace('"sha256": "', '"sha256": "0'))
    (tmp_path / "decoupage-administratif-32.json.gz").write_bytes(
        (DATA_DIR / "decoupage-administratif-32.json.gz").read_bytes()
    )
    with pytest.raises(ReferentielError, match="SHA-256"):
        read_referentiel(settings.REFERENTIEL_DIR, data_dir=tmp_path)


def test_loads_the_real_files(empty_territories):
    output = run()
    assert table_counts() == {
        "Region": 1,
        "Departement": 5,
        "Epci": 92,
        "Commune": 3782,
        "ContratDeVille": 39,
        "Qpv": 204,
    }
    assert "QPV" in output and "créés :   204" in output
    flagged = Qpv.objects.filter(needs_review=True)
    assert flagged.count() == 8
    assert set(flagged.values_list("code", flat=True)) >= TWO_EPCI_QPV
    for qpv in flagged.prefetch_related("candidate_contrats"):
        assert qpv.contrat_de_ville is None
        assert len(qpv.candidate_contrats.all()) == 2
    # A QPV over four communes is linked to all of them.
    qpv = Qpv.objects.get(code="QN05918M")
    assert sorted(qpv.communes.values_list("code", flat=True)) == ["59291", "59365", "59392", "59424"]
    assert Qpv.objects.get(code="QN05901M").contrat_de_ville.code == "CN05909M"
    assert ContratDeVille.objects.filter(carrier_commune__isnull=False).count() == 4
    assert Commune.objects.get(code="62119").epci.name.startswith("CA de Béthune-Bruay")
    assert Commune.objects.get(code="62119").search_key == "bethune 62119 62400"
    assert DataSource.objects.count() == 5
    assert DataSource.objects.get(key="qpv-2024").row_count == 204
    assert AuditEntry.objects.filter(action="territories.referentiel_loaded").exists()


def test_second_run_changes_nothing(loaded):
    with CaptureQueriesContext(connection) as ctx:
        output = run()
    writes = [q["sql"] for q in ctx.captured_queries if q["sql"].split()[0] in ("INSERT", "UPDATE", "DELETE")]
    assert writes == []
    assert "créés :     0   mis à jour :     0" in output
    assert "déjà à jour" in output
    assert len(ctx.captured_queries) < 40  # loads and diffs in bulk, not row by row


def test_dry_run_writes_nothing(empty_territories):
    output = run("--dry-run")
    assert "Simulation (--dry-run)" in output
    assert "créés :  3782" in output
    assert table_counts() == dict.fromkeys(table_counts(), 0)
    assert not DataSource.objects.exists()


def test_changed_row_is_updated_and_counted(loaded):
    Commune.objects.filter(code="62119").update(name="Bethune-ancien", search_key="x")
    output = run()
    line = next(line for line in output.splitlines() if line.startswith("communes"))
    assert "mis à jour :     1" in line
    commune = Commune.objects.get(code="62119")
    assert (commune.name, commune.search_key) == ("Béthune", "bethune 62119 62400")


def test_official_file(empty_territories, official_dir):
    output = run("--referentiel-dir", str(official_dir), "--qpv-file", str(official_dir / "listeqp2024-cog2024.csv"))
    assert Qpv.objects.count() == 5  # the Paris row is not in the region
    frais = Qpv.objects.get(code="QN05905M")
    assert sorted(frais.communes.values_list("code", flat=True)) == ["59178", "59569", "59654"]
    assert frais.contrat_de_ville.code == "CN05909M"
    verrerie = Qpv.objects.get(code="QN05920M")
    assert verrerie.contrat_de_ville.code == "CN05904M"
    assert not verrerie.needs_review
    assert verrerie.contrat_source == Qpv.ContratSource.OFFICIAL
    assert sorted(verrerie.epcis.values_list("code", flat=True)) == ["200042190", "245901160"]
    assert Qpv.objects.get(code="QN05970M").contrat_de_ville.code == "CN05905M"  # carried by the commune
    assert list(Qpv.objects.get(code="QN00299Z").communes.values_list("code", flat=True)) == ["02008"]
    assert "format officiel" in DataSource.objects.get(key="qpv-2024").notes
    assert "QPV" in output


def test_official_derivation_agrees_with_shared_file(tmp_path):
    """Contracts derived from the official columns match the ANCT file for every unambiguous QPV."""
    shared = {q["code"]: q for q in read_referentiel(settings.REFERENTIEL_DIR).qpvs}
    rows = []
    for q in shared.values():
        siren = "" if q["needs_review"] else ";".join(q["epcis"][:1])
        rows.append(f'{q["code"]};{q["name"]};32;HdF;{q["departement"]};d;"{",".join(q["communes"])}";x;{siren};e')
    path = write_official(tmp_path / "listeqp2024-cog2024.csv", rows)
    official = {q["code"]: q for q in read_referentiel(settings.REFERENTIEL_DIR, qpv_file=path).qpvs}
    assert official.keys() == shared.keys()
    for code, q in shared.items():
        if q["needs_review"]:
            assert official[code]["needs_review"]
            assert sorted(official[code]["candidate_contrats"]) == sorted(q["candidate_contrats"])
        else:
            assert official[code]["contrat_de_ville"] == q["contrat_de_ville"], code


def test_malformed_row_stops_everything(empty_territories, official_dir):
    rows = [*OFFICIAL_ROWS]
    rows[1] = rows[1].replace("59569", "5956X")  # line 3 of the file (header is line 1)
    path = write_official(official_dir / "listeqp2024-cog2024.csv", rows)
    with pytest.raises(CommandError) as excinfo:
        run("--referentiel-dir", str(official_dir), "--qpv-file", str(path))
    message = str(excinfo.value)
    assert "listeqp2024-cog2024.csv, ligne 3, colonne « insee_com »" in message
    assert "5956X" in message
    assert "base inchangée" in message
    assert table_counts() == dict.fromkeys(table_counts(), 0)


def test_errors_in_the_shared_files_name_line_and_column(empty_territories, official_dir):
    contrats = official_dir / "contrats_de_ville_hdf.csv"
    lines = contrats.read_text().splitlines()
    lines[4] = lines[4].replace("CN00203I", "XX00203I")  # line 5
    contrats.write_text("\n".join(lines) + "\n")
    with pytest.raises(CommandError) as excinfo:
        run("--referentiel-dir", str(official_dir), "--qpv-file", str(official_dir / "listeqp2024-cog2024.csv"))
    assert "contrats_de_ville_hdf.csv, ligne 5, colonne « code_cv »" in str(excinfo.value)


def test_unknown_header_column_is_reported(empty_territories, official_dir):
    path = write_official(official_dir / "listeqp2024-cog2024.csv", header=OFFICIAL_ROWS[0].replace("QN", "X"))
    with pytest.raises(CommandError, match="colonne « code_qp »"):
        run("--referentiel-dir", str(official_dir), "--qpv-file", str(path))


def test_missing_file(empty_territories, tmp_path):
    with pytest.raises(CommandError, match="Fichier introuvable : .*qpv2024_hdf.csv"):
        run("--referentiel-dir", str(tmp_path))
    assert not Region.objects.exists()


def test_existing_data_unchanged_after_an_error(loaded, official_dir):
    before = table_counts()
    Qpv.objects.filter(code="QN05901M").update(name="Nom local")
    path = write_official(official_dir / "listeqp2024-cog2024.csv", [*OFFICIAL_ROWS, "QN0;;32;;59;;59028;;;"])
    with pytest.raises(CommandError, match="ligne 8, colonne « code_qp »"):
        run("--referentiel-dir", str(official_dir), "--qpv-file", str(path))
    assert table_counts() == before
    assert Qpv.objects.get(code="QN05901M").name == "Nom local"


def test_staff_decision_survives_reloads(loaded, admin_client, official_dir):
    qpv = Qpv.objects.get(code="QN05921M")
    assert qpv.needs_review
    chosen = qpv.candidate_contrats.get(code="CN05902M")
    data = {
        "code": qpv.code,
        "name": qpv.name,
        "departement": qpv.departement_id,
        "geography_year": qpv.geography_year,
        "communes": [str(pk) for pk in qpv.communes.values_list("pk", flat=True)],
        "epcis": [str(pk) for pk in qpv.epcis.values_list("pk", flat=True)],
        "contrat_de_ville": chosen.pk,
        "candidate_contrats": [str(pk) for pk in qpv.candidate_contrats.values_list("pk", flat=True)],
        "review_note": qpv.review_note,
    }  # "needs_review" unchecked
    response = admin_client.post(f"/admin/territories/qpv/{qpv.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    qpv.refresh_from_db()
    assert (qpv.contrat_de_ville, qpv.needs_review, qpv.contrat_source) == (chosen, False, "equipe")
    assert AuditEntry.objects.filter(action="territories.qpv_contrat_decided", object_id=str(qpv.pk)).exists()

    run()  # the shared file says "two candidates, to review"
    qpv.refresh_from_db()
    assert (qpv.contrat_de_ville, qpv.needs_review) == (chosen, False)

    # The official file would choose the other EPCI's contract for QN05920M, not for this one; staff still win.
    rows = [*OFFICIAL_ROWS, OFFICIAL_ROWS[2].replace("QN05920M", "QN05921M")]
    path = write_official(official_dir / "listeqp2024-cog2024.csv", rows)
    run("--referentiel-dir", str(official_dir), "--qpv-file", str(path))
    qpv.refresh_from_db()
    assert (qpv.contrat_de_ville, qpv.needs_review, qpv.contrat_source) == (chosen, False, "equipe")


def test_admin_action_settles_a_chosen_contract(loaded, admin_client):
    qpv = Qpv.objects.get(code="QN05920M")
    Qpv.objects.filter(pk=qpv.pk).update(contrat_de_ville=qpv.candidate_contrats.first())
    response = admin_client.post(
        "/admin/territories/qpv/",
        {"action": "settle_with_only_candidate", "_selected_action": [qpv.pk, Qpv.objects.get(code="QN05922M").pk]},
        follow=True,
    )
    assert "1 QPV tranché(s)." in response.content.decode()
    qpv.refresh_from_db()
    assert (qpv.needs_review, qpv.contrat_source) == (False, "equipe")
    assert Qpv.objects.get(code="QN05922M").needs_review


def test_admin_lists_and_to_review_filter(loaded, admin_client):
    response = admin_client.get("/admin/territories/qpv/?a_verifier=1")
    assert response.status_code == 200
    assert response.context["cl"].result_count == 8
    for model in ("region", "departement", "epci", "commune", "contratdeville", "projetrenouvellement"):
        assert admin_client.get(f"/admin/territories/{model}/").status_code == 200
    for model in ("citeeducative", "datasource"):
        assert admin_client.get(f"/admin/territories/{model}/").status_code == 200
    response = admin_client.get(
        "/admin/autocomplete/?app_label=territories&model_name=citeeducative&field_name=qpvs&term=auby"
    )
    assert response.status_code == 200
    assert "QN05901M" in response.content.decode()
