"""Attestations de présence: content, the participant's signed link, bulk runs."""

import datetime
import io
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse

from crpv.events import attendance, tokens
from crpv.events.attestations import attestation_for
from crpv.events.models import AttestationRun, AttestationRunStatus

from .test_attendance_helpers import enrol, make_cycle, many_people, pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def cycle():
    # 3 h (1 demi-journée), 9–17 h (2), 2 h (1)
    return make_cycle(sessions=[(9, 12), (9, 17), (14, 16)])


def _attend(cycle, registration, indexes):
    sessions = list(cycle.sessions.all())
    for i in indexes:
        attendance.mark_attendance(session=sessions[i], registration=registration, acting_user=None)


def test_attestation_lists_attended_sessions_hours_and_half_days(cycle):
    helene, karim, *_ = enrol(cycle)
    _attend(cycle, helene, [0, 1])
    attendance.mark_attendance(session=cycle.sessions.last(), registration=helene, present=False, acting_user=None)
    filename, pdf = attestation_for(helene)
    assert filename == f"attestation-dupre-helene-{helene.pk}.pdf"
    text = "".join(pdf_text(pdf))
    assert "Attestation de présence" in text
    assert "IREV" in text and "Centre de ressources politique de la ville des Hauts-de-France" in text
    assert "Hélène DUPRÉ" in text
    assert "Cycle Transitions et contrat de ville" in text
    assert "Séance 1" in text and "Séance 2" in text and "Séance 3" not in text
    assert "2 séances sur 3" in text
    assert "11 h" in text  # 3 h + 8 h
    assert "09:00 – 17:00" in text
    # 1 + 2 demi-journées
    total_line = next(line for line in text.splitlines() if "Total" in line)
    assert total_line.rstrip().endswith("11 h 3")


def test_participant_downloads_through_the_signed_link(client, cycle):
    helene, karim, *_ = enrol(cycle)
    _attend(cycle, helene, [0])
    token = tokens.make_token("attestation", helene.key)
    response = client.get(reverse("events:attestation", args=[token]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert "DUPRÉ" in "".join(pdf_text(response.content))
    # No attendance, no attestation.
    response = client.get(reverse("events:attestation", args=[tokens.make_token("attestation", karim.key)]))
    assert response.status_code == 404
    assert "Aucune présence n'est notée à votre nom" in response.content.decode()


def test_tampered_foreign_or_expired_links_get_a_clear_french_page(client, cycle, monkeypatch):
    helene = enrol(cycle)[0]
    _attend(cycle, helene, [0])
    token = tokens.make_token("attestation", helene.key)
    tampered = client.get(reverse("events:attestation", args=[token[:-3] + "abc"]))
    assert tampered.status_code == 400
    assert "Ce lien n&#x27;est pas valide" in tampered.content.decode()
    foreign = client.get(reverse("events:attestation", args=[tokens.make_token("cancel", helene.key)]))
    assert foreign.status_code == 400
    monkeypatch.setitem(tokens.PURPOSES, "attestation", datetime.timedelta(seconds=-1))
    expired = client.get(reverse("events:attestation", args=[token]))
    assert expired.status_code == 400
    assert "Ce lien a expiré" in expired.content.decode()


def test_staff_download_one_attestation(events_client, cycle):
    helene, karim, *_ = enrol(cycle)
    _attend(cycle, helene, [2])
    response = events_client.get(reverse("events_staff:attestation_pdf", args=[helene.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    response = events_client.get(reverse("events_staff:attestation_pdf", args=[karim.pk]))
    assert response.status_code == 302


def test_bulk_run_reaches_100_percent_and_zips_one_pdf_per_attendee(
    events_client, cycle, django_capture_on_commit_callbacks
):
    registrations = enrol(cycle) + enrol(cycle, many_people(3))
    for registration in registrations[:5]:
        _attend(cycle, registration, [0, 2])
    page = events_client.get(reverse("events_staff:attendance", args=[cycle.pk]))
    assert "Produire toutes les attestations" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = events_client.post(reverse("events_staff:attestations_start", args=[cycle.pk]))
    run = AttestationRun.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "events_staff:attestation_run", args=[run.pk]
    )
    assert run.status == AttestationRunStatus.DONE and run.total == 5 and run.done == 5 and run.percent == 100
    page = events_client.get(response["Location"]).content.decode()
    assert "Télécharger l&#x27;archive ZIP" in page or "Télécharger l'archive ZIP" in page
    progress = events_client.get(
        reverse("events_staff:attestation_progress", args=[run.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "100 %" in progress and 'value="100"' in progress
    assert "every 1s" not in progress  # finished: polling stops
    response = events_client.get(reverse("events_staff:attestation_zip", args=[run.pk]))
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = sorted(archive.namelist())
    assert len(names) == 5
    assert f"attestation-dupre-helene-{registrations[0].pk}.pdf" in names
    for name in names:
        assert archive.read(name).startswith(b"%PDF")
    assert default_storage.exists(run.archive)


def test_progress_polls_while_running(events_client, cycle):
    run = AttestationRun.objects.create(event=cycle, status=AttestationRunStatus.RUNNING, total=300, done=75)
    html = events_client.get(reverse("events_staff:attestation_progress", args=[run.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in html and "75 sur 300" in html and "(25 %)" in html
    assert events_client.get(reverse("events_staff:attestation_zip", args=[run.pk])).status_code == 404


def test_command_runs_dry_unless_told(cycle):
    helene = enrol(cycle)[0]
    _attend(cycle, helene, [0])
    out = io.StringIO()
    call_command("generate_attestations", str(cycle.pk), stdout=out)
    assert "À blanc : 1 attestation(s)" in out.getvalue()
    assert not AttestationRun.objects.exists()
    call_command("generate_attestations", cycle.slug, "--wet-run", stdout=out)
    run = AttestationRun.objects.get()
    assert run.status == AttestationRunStatus.DONE and run.done == 1


def test_the_status_page_offers_the_attestation_once_a_session_was_attended(client, cycle):
    helene, karim, *_ = enrol(cycle)
    _attend(cycle, helene, [0])
    page = client.get(reverse("events:registration_status", args=[tokens.make_token("status", helene.key)]))
    prefix = reverse("events:attestation", args=["x"])[:-2]  # tokens carry a timestamp: compare the path
    assert f'href="{prefix}' in page.content.decode()
    page = client.get(reverse("events:registration_status", args=[tokens.make_token("status", karim.key)]))
    assert "attestation de présence" not in page.content.decode()
